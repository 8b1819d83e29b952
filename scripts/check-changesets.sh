#!/usr/bin/env bash
# Every package changed since the last release (the last commit that bumped a package version, or the
# commit that created the packages) must carry a pending changeset. On a branch whose origin/main differs
# from HEAD, the base is origin/main instead.
set -euo pipefail
if git rev-parse --verify -q origin/main >/dev/null && [ "$(git rev-parse origin/main)" != "$(git rev-parse HEAD)" ]; then
  base=origin/main
else
  base=$(git log -1 --format=%H -G'"version":' -- 'packages/*/package.json' 'apps/*/package.json' || true)
fi
if [ -z "${base:-}" ]; then
  echo "changesets: no release base found; nothing to check"
  exit 0
fi
echo "changesets: checking packages changed since $(git rev-parse --short "$base")"
exec changeset status --since="$base"
