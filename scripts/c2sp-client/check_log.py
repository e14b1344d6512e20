#!/usr/bin/env python3
"""Independent verifier for a tiled transparency log.

Written only from the public specifications, without reference to any server code:
  * c2sp.org/signed-note      (verifier keys, note format, Ed25519 signatures)
  * c2sp.org/tlog-checkpoint  (checkpoint note text)
  * c2sp.org/tlog-tiles       (tile paths, full and partial tiles, tile levels)
  * RFC 6962 section 2.1      (Merkle Tree Hash, MTH)

Exit status: 0 = every check passed, 1 = at least one check failed,
2 = could not run (network error, bad arguments, unusable input).
Needs Python 3.11+ and the `cryptography` package.
"""
import argparse
import base64
import binascii
import hashlib
import re
import sys
import time
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TILE_WIDTH = 256   # tlog-tiles: full tiles are exactly 256 hashes wide
HASH_SIZE = 32     # tlog-tiles: the hash is SHA-256
SIG_ED25519 = 0x01  # signed-note "Signature types": 0x01 = Ed25519


class CannotRun(Exception):
    """Anything that stops the check from running at all (exit 2)."""


class Report:
    """Counts and prints the individual checks."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"  [{'PASS' if ok else 'FAIL'}] {what}" + (f" ({detail})" if detail and not ok else ""))
        return ok


def fetch(url, soft=False):
    """HTTP GET. Network errors cannot be recovered from (exit 2); an HTTP error status
    raises CannotRun too, unless soft=True, where it returns (None, status) instead."""
    req = urllib.request.Request(url, headers={"User-Agent": "c2sp-check/1", "Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        if soft:
            return None, f"HTTP {e.code}"
        raise CannotRun(f"GET {url}: HTTP {e.code}") from e
    except (urllib.error.URLError, OSError) as e:
        raise CannotRun(f"GET {url}: {e}") from e


def b64(s):
    return base64.b64decode(s, validate=True)  # RFC 4648 section 4, strict


# ---------------------------------------------------------------- signed-note keys
def parse_keys(text, rep):
    """Verifier keys `name+hexkeyid+base64(type || pubkey)`; keep the Ed25519 ones.
    Key ID (signed-note "Signatures"): SHA-256(name || 0x0A || type || pubkey)[:4]."""
    keys = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        parts = line.split("+", 2)  # names contain no "+", but base64 may
        if len(parts) != 3 or not parts[0] or not re.fullmatch(r"[0-9a-fA-F]{8}", parts[1]):
            rep.check(False, f"verifier key is name+hexid+base64: {line!r}")
            continue
        name, hexid, enc = parts
        try:
            raw = b64(enc)
        except (binascii.Error, ValueError):
            rep.check(False, f"key {name}: base64 decodes")
            continue
        if not raw or raw[0] != SIG_ED25519:
            print(f"  note: skipping key {name}+{hexid} of type {raw[:1].hex() or '?'} (not Ed25519)")
            continue
        if not rep.check(len(raw) == 1 + 32, f"key {name}: Ed25519 public key is 32 bytes"):
            continue
        kid = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
        if rep.check(kid.hex() == hexid.lower(),
                     f"key {name}+{hexid}: id = SHA-256(name||0x0A||0x01||pubkey)[:4]", f"computed {kid.hex()}"):
            keys[(name, kid)] = Ed25519PublicKey.from_public_bytes(raw[1:])
    rep.check(bool(keys), f"at least one usable Ed25519 verifier key ({len(keys)} found)")
    return keys


# ---------------------------------------------------------------- signed note + checkpoint
def verify_checkpoint(raw, keys, want_origin, rep):
    """Verify a checkpoint note. Returns (origin, size, root) or None if unusable."""
    # signed-note "Format": valid UTF-8, no control characters other than newline.
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        rep.check(False, "checkpoint is valid UTF-8")
        return None
    rep.check(not re.search(r"[\x00-\x09\x0b-\x1f]", text), "note has no control characters besides newline")
    # The note text ends in a newline and is separated from the signatures by the LAST blank line.
    sep = text.rfind("\n\n")
    if not rep.check(sep >= 0 and text.endswith("\n"), "note = text, blank line, signature lines (each ending in newline)"):
        return None
    body, sig_block = text[: sep + 1], text[sep + 2:]
    verified, names = 0, set()
    for line in sig_block[:-1].split("\n"):
        # "— <key name> base64(32-bit key ID || signature)"
        m = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
        if not rep.check(m is not None, f"signature line is '\u2014 name base64': {line[:40]!r}"):
            continue
        name = m.group(1)
        try:
            sig = b64(m.group(2))
        except (binascii.Error, ValueError):
            rep.check(False, f"signature by {name}: base64 decodes")
            continue
        key = keys.get((name, sig[:4]))
        if key is None:  # signed-note: verifiers MUST ignore signatures from unknown keys
            print(f"  note: ignoring signature by unknown key {name}/{sig[:4].hex()}")
            continue
        try:  # Ed25519 (RFC 8032) over the note text, i.e. the body including its final newline
            key.verify(sig[4:], body.encode("utf-8"))
            ok = True
        except InvalidSignature:
            ok = False
        rep.check(ok, f"Ed25519 signature by {name}+{sig[:4].hex()} verifies over the note text")
        if ok:
            verified += 1
            names.add(name)
    if not rep.check(verified > 0, "at least one signature from a known key verifies"):
        return None

    # tlog-checkpoint "Note text": origin, tree size, root hash, then optional non-empty extension lines.
    lines = body[:-1].split("\n")
    if not rep.check(len(lines) >= 3 and all(lines), "checkpoint body has >= 3 non-empty lines"):
        return None
    origin, size_s, root_s = lines[:3]
    if len(lines) > 3:
        print(f"  note: {len(lines) - 3} extension line(s) present (opaque)")
    if want_origin:
        rep.check(origin == want_origin, f"origin {origin!r} equals --origin", f"expected {want_origin!r}")
    else:  # tlog-checkpoint "Signatures": the log's key name SHOULD match the origin line
        rep.check(origin in names, f"origin {origin!r} equals the verifying key's name", f"signers {sorted(names)}")
    if not rep.check(re.fullmatch(r"0|[1-9][0-9]*", size_s) is not None, f"tree size {size_s!r} is decimal, no leading zeros"):
        return None
    try:
        root = b64(root_s)
    except (binascii.Error, ValueError):
        root = b""
    if not rep.check(len(root) == HASH_SIZE, "root hash is base64 of 32 bytes"):
        return None
    print(f"  checkpoint: origin={origin} size={size_s} root={root.hex()}")
    return origin, int(size_s), root


# ---------------------------------------------------------------- RFC 6962 + tiles
def mth(h, lo=0, hi=None):
    """RFC 6962 s2.1 Merkle Tree Hash over already-hashed leaves h[lo:hi]:
    MTH({}) = SHA-256(); MTH(1 leaf) = the leaf hash;
    MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k = largest power of two < n."""
    hi = len(h) if hi is None else hi
    n = hi - lo
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return h[lo]
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(h, lo, lo + k) + mth(h, lo + k, hi)).digest()


def tile_path(level, index, width):
    """tlog-tiles "Merkle Tree": tile/<L>/<N>[.p/<W>], N in zero-padded 3-digit groups,
    all but the last prefixed with 'x' (1234067 -> x001/x234/067)."""
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.insert(0, f"x{index % 1000:03d}")
        index //= 1000
    return f"tile/{level}/{'/'.join(groups)}" + (f".p/{width}" if width < TILE_WIDTH else "")


class TileFetcher:
    def __init__(self, prefix, rep):
        self.prefix, self.rep, self.cache = prefix, rep, {}

    def level_hashes(self, level, count):
        """The first `count` hashes of tree level 8*level, from ceil(count/256) tiles: full
        ones, then a partial one of width count mod 256 (tlog-tiles "Partial Tiles")."""
        out = []
        for i in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, count - i * TILE_WIDTH)
            path = tile_path(level, i, width)
            if path not in self.cache:
                data, ctype = fetch(f"{self.prefix}/{path}", soft=True)
                if not self.rep.check(data is not None, f"GET {path}", ctype):
                    return None
                if not self.rep.check(len(data) == width * HASH_SIZE, f"{path} is {width} x 32 bytes", f"got {len(data)}"):
                    return None
                self.cache[path] = data  # tiles are immutable
            data = self.cache[path]
            out += [data[j:j + HASH_SIZE] for j in range(0, len(data), HASH_SIZE)]
        return out


def verify_tree(tiles, size, root, rep):
    """Fetch the level-0 tiles for `size`, recompute MTH and compare with the checkpoint root;
    check every level-L tile hash is the MTH of the matching full level-(L-1) tile.
    Returns the leaf hashes, or None if they could not be obtained."""
    leaves = tiles.level_hashes(0, size)
    if leaves is None:
        return None
    rep.check(mth(leaves) == root, f"MTH of {size} leaf hashes from level-0 tiles equals checkpoint root")
    below, level = leaves, 1
    while size >> (8 * level):  # level L exists while floor(size / 256**L) > 0
        count = size >> (8 * level)
        upper = tiles.level_hashes(level, count)
        if upper is None:
            break
        # tlog-tiles: tile n at level l holds MTH(D[(n*256+i)*256**l : (n*256+i+1)*256**l])
        bad = [j for j in range(count) if mth(below, j * TILE_WIDTH, (j + 1) * TILE_WIDTH) != upper[j]]
        rep.check(not bad, f"level {level}: each of {count} hash(es) = MTH of the full level-{level - 1} tile below",
                  f"mismatch at {bad[:5]}")
        below, level = upper, level + 1
    return leaves


def run(args, rep):
    prefix = args.url.rstrip("/") + "/" + args.log_path.strip("/")
    print(f"== verifier keys: {prefix}/keys")
    keys = parse_keys(fetch(f"{prefix}/keys")[0].decode("utf-8", "replace"), rep)
    if not keys:
        return
    tiles = TileFetcher(prefix, rep)

    if args.checkpoint_file:
        print(f"== checkpoint from file {args.checkpoint_file}")
        try:
            with open(args.checkpoint_file, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise CannotRun(str(e)) from e
    else:
        print(f"== checkpoint: {prefix}/checkpoint")
        raw, ctype = fetch(f"{prefix}/checkpoint")
        if not ctype.lower().replace(" ", "").startswith("text/plain;charset=utf-8"):
            print(f"  note: Content-Type is {ctype!r} (tlog-tiles asks for text/plain; charset=utf-8)")
    cp = verify_checkpoint(raw, keys, args.origin, rep)
    if cp is None:
        return
    print("== tiles")
    verify_tree(tiles, cp[1], cp[2], rep)

    if args.watch is not None:
        print(f"== waiting {args.watch}s for a newer checkpoint")
        time.sleep(args.watch)
        raw2, _ = fetch(f"{prefix}/checkpoint")
        cp2 = verify_checkpoint(raw2, keys, args.origin or cp[0], rep)
        if cp2 is None:
            return
        print("== tiles (new checkpoint)")
        leaves2 = verify_tree(tiles, cp2[1], cp2[2], rep)
        # Consistency: the old tree must be a prefix of the new one (RFC 6962 s2.1.2 semantics,
        # checked directly from the tiles instead of with a consistency proof).
        print(f"== consistency {cp[1]} -> {cp2[1]}")
        rep.check(cp2[0] == cp[0], "same origin in both checkpoints")
        if rep.check(cp[1] <= cp2[1], f"old size {cp[1]} <= new size {cp2[1]}") and leaves2 is not None:
            rep.check(mth(leaves2, 0, cp[1]) == cp[2],
                      f"MTH of the first {cp[1]} leaves of the new tree equals the old root")


def main():
    ap = argparse.ArgumentParser(description="Verify a C2SP tlog-tiles transparency log from the outside.")
    ap.add_argument("--url", required=True, help="server base URL, e.g. http://127.0.0.1:8099")
    ap.add_argument("--log-path", default="/ledger", help="log prefix under the base URL (default /ledger)")
    ap.add_argument("--origin", help="expected checkpoint origin (default: the signing key's name)")
    ap.add_argument("--watch", type=float, metavar="SECONDS", help="then wait, fetch a newer checkpoint, check consistency")
    ap.add_argument("--checkpoint-file", help="read the (first) checkpoint from this file instead of the URL")
    try:
        args = ap.parse_args()
        if args.watch is not None and args.watch < 0:
            ap.error("--watch must be >= 0")
    except SystemExit as e:  # bad arguments (exit 2), or --help (exit 0)
        if e.code:
            print("c2sp-check: 0 passed, 0 failed")
        raise
    rep, code = Report(), None
    try:
        run(args, rep)
    except CannotRun as e:
        print(f"c2sp-check: cannot run: {e}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 2
    print(f"c2sp-check: {rep.passed} passed, {rep.failed} failed")
    sys.exit(code if code is not None else (1 if rep.failed else 0))


if __name__ == "__main__":
    main()
