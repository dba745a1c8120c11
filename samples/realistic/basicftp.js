#!/usr/bin/env node
// A basic-ftp (npm) client for the volume lab: one session, one action.
//
//   node basicftp.js HOST USER PASSWORD get|put|list PATH [LOCAL]
//
// basic-ftp only does passive transfers: EPSV first, PASV if the server
// refuses it (its own choice, not the lab's). It closes the control
// connection with QUIT after the action, or after the server refused it.
'use strict';
const ftp = require('basic-ftp');
const { Writable } = require('stream');

async function main() {
  const [host, user, password, action, path, local] = process.argv.slice(2);
  const client = new ftp.Client(30000);
  let rc = 0;
  try {
    await client.access({ host, user, password, secure: false });
    if (action === 'get') {
      await client.downloadTo(new Writable({ write(_c, _e, cb) { cb(); } }), path);
    } else if (action === 'put') {
      await client.uploadFrom(local, path);
    } else {
      await client.list(path);
    }
  } catch (err) {
    console.error('basicftp:', err.message);
    rc = 1;
  }
  client.close();
  process.exitCode = rc;
}

main();
