#!/usr/bin/env node
// ftp-srv (npm) for the volume lab: one instance per address.
//
//   node ftpsrv.js ADDRESS ROOT USER PASSWORD PASV_MIN PASV_MAX
//
// Run as the lab's user (servers.sh starts it with setpriv and only the
// capability to bind port 21), so that a folder the user may not write is
// refused by the file system, as on the other servers.
'use strict';
const FtpSrv = require('ftp-srv');

const [address, root, user, password, pasvMin, pasvMax] = process.argv.slice(2);
const host = address.includes(':') ? `[${address}]` : address;
const server = new FtpSrv({
  url: `ftp://${host}:21`,
  pasv_url: address,
  pasv_min: Number(pasvMin),
  pasv_max: Number(pasvMax),
  anonymous: false,
  greeting: ['ftpvol ftp-srv'],
  log: require('bunyan').createLogger({ name: 'ftpvol', level: 'fatal' }),
});
server.on('login', ({ username, password: pass }, resolve, reject) => {
  if (username === user && pass === password) {
    resolve({ root });
  } else {
    reject(new Error('Login incorrect'));
  }
});
server.listen().then(() => console.log(`listening on ${host}:21`));
