#!/usr/bin/python3
"""Drop a few percent of the frames of a capture file, with a fixed seed:
capture loss made in the file (as an overloaded capture host loses
packets), not on the network, so the endpoints saw every packet.

    droppackets.py IN OUT PERCENT SEED

Frames are chosen with random.Random(SEED) among all frames; editcap
(Wireshark) writes OUT without them. Prints the dropped frame numbers (of
IN) on stdout."""

import random
import subprocess
import sys


def main(argv):
    src, dst, percent, seed = argv[0], argv[1], float(argv[2]), int(argv[3])
    out = subprocess.run(["capinfos", "-c", "-M", src], check=True, capture_output=True,
                         text=True).stdout
    count = int(out.strip().splitlines()[-1].split()[-1])
    rng = random.Random(seed)
    drop = sorted(f for f in range(1, count + 1) if rng.random() < percent / 100)
    subprocess.run(["editcap", src, dst] + [str(f) for f in drop], check=True)
    print(" ".join(map(str, drop)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
