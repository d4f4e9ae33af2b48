#!/usr/bin/env bash
# Create bench/.peers: a separate virtual environment holding the peer packages that bench/peers.py compares against.
#
# Assumes the project's own environment /work/main/.venv (or $REPO/.venv) exists: `make test` or `make demo` creates it.
# To avoid a second 5.8 GB torch, the peer env shares torch/torchvision/timm/numpy with .venv through a .pth file that is
# appended *after* the peer env's own site-packages, so the peer env's own packages (kornia, ...) win.
#
# The peers' pins would pull an old torch (torch-lucent pins kornia<=0.4.1), so each is installed with --no-deps and
# only the dependencies they really import are added. torch-lucent then needs a small shim for current kornia; that
# shim lives in bench/peers.py (it is applied at import time, nothing in site-packages is patched).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
MAIN="$REPO/.venv"
PEERS="$REPO/bench/.peers"
PY="${PYTHON:-python3.11}"

if [ ! -x "$MAIN/bin/python" ]; then
  echo "The project's environment $MAIN is missing: run 'make test' (or 'make demo') first." >&2; exit 1
fi
MAIN_SITE="$("$MAIN/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

"$PY" -m venv "$PEERS"
PIP="$PEERS/bin/pip"
# The peers themselves, without their (old) pins.
"$PIP" install --no-deps torch-lucent==0.1.8 torch-dreams==4.0.0 horama==0.3.0 imstack==0.1.8
# What they import that .venv does not have (no torch pulled in: --no-deps, then kornia's own small deps).
"$PIP" install --no-deps kornia kornia_rs opencv-python-headless decorator einops
# Share .venv's torch, torchvision, timm, numpy, the offline weights and das_tutorial (last on sys.path).
PEERS_SITE="$("$PEERS/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$MAIN_SITE" > "$PEERS_SITE/zz_share_main_venv.pth"

"$PEERS/bin/python" - <<'EOF'
import torch, kornia, lucent, torch_dreams, horama, imstack, timm, das_tutorial
print('peer env ok: torch', torch.__version__, 'kornia', kornia.__version__)
EOF
