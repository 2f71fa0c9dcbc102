"""`vern`: the command-line tool for organisations outside Vern.

    bin/vern keygen --output KEY
    bin/vern encode --key-file KEY --input people.csv --output encoded.csv

Plain Python 3.11+, no packages to install and no Vern database: an organisation
runs it on its own machine, so names never leave it. docs/linkage.md describes the
input columns and the file it writes.
"""

import argparse
import os
import sys
from pathlib import Path

from linkage.encoding import KEY_ENV, Encoder, LinkageKey, LinkageKeyError, generate_key_text
from linkage.files import write_encoded
from linkage.people import COLUMNS, decode, read_people


def keygen(output: Path) -> int:
    try:
        # Created readable by its owner only, and never over an existing key.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"vern: {output} exists; a key is never overwritten.", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"vern: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 1
    text = generate_key_text()
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(text + "\n")
    fingerprint = LinkageKey.from_text(text).fingerprint
    print(f"Wrote a new linkage key to {output} (fingerprint {fingerprint}). Keep it secret and apart from any data.")
    return 0


def encode(key_file: str | None, source: Path, output: Path) -> int:
    if not key_file:
        print(f"vern: give --key-file or set {KEY_ENV}.", file=sys.stderr)
        return 2
    try:
        encoder = Encoder(LinkageKey.from_file(key_file))
        text = decode(source.read_bytes())
    except LinkageKeyError as error:
        print(f"vern: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"vern: cannot read {source}: {error.strerror}", file=sys.stderr)
        return 2
    rows, problems = read_people(text)
    for problem in problems:
        print(f"{source}: {problem} (row left out)", file=sys.stderr)
    if not rows:
        print(f"vern: nothing could be encoded; the columns are: {', '.join(COLUMNS)}", file=sys.stderr)
        return 1
    encoded = [(encoder.encode(row.person), row.categories) for row in rows]
    try:
        output.write_text(write_encoded(encoder.key.fingerprint, encoded), encoding="utf-8")
    except OSError as error:
        print(f"vern: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 2
    print(
        f"Encoded {len(rows)} person(s) into {output} (key fingerprint {encoder.key.fingerprint}); "
        f"{len(problems)} row(s) left out."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vern", description="Vern's tools for organisations outside Vern.")
    commands = parser.add_subparsers(dest="command", required=True)
    keygen_parser = commands.add_parser("keygen", help="make a new secret linkage key")
    keygen_parser.add_argument("--output", type=Path, required=True)
    encode_parser = commands.add_parser("encode", help="encode a person list (CSV) for national statistics")
    encode_parser.add_argument("--key-file", default=os.environ.get(KEY_ENV), help=f"the key (default: ${KEY_ENV})")
    encode_parser.add_argument("--input", type=Path, required=True, help="the person list, CSV")
    encode_parser.add_argument("--output", type=Path, required=True, help="the encoded file to write")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        return keygen(args.output)
    return encode(args.key_file, args.input, args.output)


if __name__ == "__main__":
    sys.exit(main())
