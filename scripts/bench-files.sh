#!/usr/bin/env bash
# Wall time and peak memory (max RSS) of reading and editing large shared
# files with the `credchain` binary, on the inputs of issue 9:
#   keys100k     one [default] section with 100,000 keys            (~2.3 MB)
#   sections10k  10,000 [profile pN] sections, 3 keys each           (~0.6 MB)
#   default3k    3,000 [DEFAULT] keys inherited by 3,000 sections    (~70 KB)
#   big60m       a 60 MB config (250,000 sections of 10 keys)
# For each: `configure list-profiles` (read: parse, check and merge both
# files, print every profile name) and `configure set` (parse, edit, check,
# write). Memory should stay a small multiple of the file size and time
# linear in it.
#
# Usage: scripts/bench-files.sh [BIN]   (default: builds target/release/credchain)
#        INPUTS="keys100k big60m" CMDS="read" scripts/bench-files.sh BIN   (a subset)
# Needs: python3, /usr/bin/time (GNU time, for max RSS). Only local files.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:-}"
if [ -z "$BIN" ]; then
  cargo build --release --quiet -p credchain-cli
  BIN="$PWD/target/release/credchain"
fi
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK" <<'EOF'
import os, sys
w = sys.argv[1]
def write(name, text):
    with open(os.path.join(w, name), "w") as f:
        f.write(text)
write("keys100k", "[default]\n" + "".join(f"key{i} = value{i}\n" for i in range(100_000)))
write("sections10k", "".join(
    f"[profile p{i}]\nregion = us-east-1\noutput = json\nrole_arn = arn:aws:iam::123456789012:role/r{i}\n\n"
    for i in range(10_000)))
write("default3k", "[DEFAULT]\n" + "".join(f"d{i} = {i}\n" for i in range(3000))
      + "".join(f"[s{i}]\n" for i in range(3000)))
parts = []
size = 0
i = 0
while size < 60 * 1024 * 1024:
    block = f"[profile p{i}]\n" + "".join(f"key{j} = value-{i}-{j}\n" for j in range(10))
    parts.append(block)
    size += len(block)
    i += 1
write("big60m", "".join(parts))
EOF

printf '%-12s %-6s %10s %12s %10s %8s\n' input cmd bytes wall_s maxrss_MB x_size
for input in ${INPUTS:-keys100k sections10k default3k big60m}; do
  f="$WORK/$input"
  bytes=$(stat -c %s "$f")
  for cmd in ${CMDS:-read set}; do
    cp "$f" "$WORK/cfg"
    if [ "$cmd" = read ]; then
      args=(configure list-profiles)
    else
      args=(configure set region eu-west-1)
    fi
    out=$( { env -i HOME="$WORK" AWS_CONFIG_FILE="$WORK/cfg" \
        AWS_SHARED_CREDENTIALS_FILE="$WORK/none" AWS_EC2_METADATA_DISABLED=true \
        /usr/bin/time -f '%e %M' "$BIN" "${args[@]}" >/dev/null 2>"$WORK/err"; } 2>&1 || true)
    # GNU time writes its line last on stderr.
    line=$(tail -n1 "$WORK/err")
    wall=${line% *}
    rss=${line#* }
    # Peak RSS as a multiple of the file size (the process's own ~4 MB
    # dominates the small inputs).
    ratio=$(python3 -c "print(f'{$rss * 1024 / $bytes:.1f}')")
    printf '%-12s %-6s %10s %12s %10s %8s\n' "$input" "$cmd" "$bytes" "$wall" "$((rss / 1024))" "$ratio"
    : "$out"
  done
done
