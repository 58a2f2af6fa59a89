"""Builds `_cuda_emu`, the CUDA kernels of csrc/cuda and their _C.cuda bindings compiled for the CPU
against include/cuda_runtime.h (a stand-in that runs each block as threads), so that the kernels'
index logic can be checked on a machine without a GPU (tools/cuda_emu/run_tests.sh). It says
nothing about speed, memory coalescing, races between blocks or real device behaviour.

    python tools/cuda_emu/build.py [build_dir]     (default build/cuda_emu)
"""

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pybind11

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ["device.cu", "conv.cu", "pool.cu", "batch_norm.cu", "activation.cu", "rnn.cu", "ctc.cu"]
BINDINGS = [
    "array_view.cpp",
    "bind_cuda_conv.cpp",
    "bind_cuda_pool.cpp",
    "bind_cuda_norm.cpp",
    "bind_cuda_rnn.cpp",
    "bind_cuda_ctc.cpp",
]
MODULE = """#include "bind/bind.h"
PYBIND11_MODULE(_cuda_emu, m) {
  dlcore::bind::bind_cuda_conv(m);
  dlcore::bind::bind_cuda_pool(m);
  dlcore::bind::bind_cuda_norm(m);
  dlcore::bind::bind_cuda_rnn(m);
  dlcore::bind::bind_cuda_ctc(m);
}
"""


def _matching(text: str, i: int, open_: str, close: str) -> int:
    """Index just past the bracket that closes the one at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        depth += {open_: 1, close: -1}.get(text[j], 0)
        if depth == 0:
            return j + 1
    raise ValueError(f"unbalanced {open_} at {i}")


def rewrite_launches(src: str) -> str:
    """`k<T><<<grid, block>>>(args);` -> `emu::launch(dim3(grid), dim3(block), [&] { k<T>(args); });`"""
    out, pos = [], 0
    for m in re.finditer(r"<<<", src):
        if m.start() < pos:
            continue
        start = m.start()  # back over white space, template arguments and the kernel's name
        while src[start - 1].isspace():
            start -= 1
        j = start
        if src[j - 1] == ">":
            depth = 0
            while True:
                j -= 1
                depth += {">": 1, "<": -1}.get(src[j], 0)
                if depth == 0:
                    break
        while j > 0 and (src[j - 1].isalnum() or src[j - 1] in "_:"):
            j -= 1
        name = src[j:start]
        cfg_end = src.index(">>>", m.start())
        cfg = src[m.start() + 3 : cfg_end]
        args_end = _matching(src, cfg_end + 3, "(", ")")
        args = src[cfg_end + 3 : args_end]
        depth, cut = 0, None
        for k, ch in enumerate(cfg):  # the top-level comma between grid and block
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if ch == "," and depth == 0:
                cut = k
                break
        grid, block = cfg[:cut], cfg[cut + 1 :]
        out.append(src[pos:j] + f"emu::launch(dim3({grid}), dim3({block}), [&] {{ {name}{args}; }})")
        pos = args_end
    return "".join(out) + src[pos:]


def main() -> None:
    bdir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "cuda_emu"
    bdir.mkdir(parents=True, exist_ok=True)
    sources = []
    (bdir / "cuda").mkdir(exist_ok=True)
    for header in (ROOT / "csrc" / "cuda").glob("*.cuh"):  # kernels launched from headers too
        dst = bdir / "cuda" / header.name  # found first: "-I bdir" precedes "-I csrc"
        text = rewrite_launches(header.read_text())
        if not dst.exists() or dst.read_text() != text:
            dst.write_text(text)
    for name in KERNELS:
        dst = bdir / (Path(name).stem + "_emu.cpp")
        text = rewrite_launches((ROOT / "csrc" / "cuda" / name).read_text())
        if not dst.exists() or dst.read_text() != text:
            dst.write_text(text)
        sources.append(dst)
    if not (bdir / "module_emu.cpp").exists() or (bdir / "module_emu.cpp").read_text() != MODULE:
        (bdir / "module_emu.cpp").write_text(MODULE)
    sources += [ROOT / "csrc" / "bind" / b for b in BINDINGS] + [bdir / "module_emu.cpp"]
    ext = sysconfig.get_config_var("EXT_SUFFIX")
    flags = [
        "-std=c++20",
        "-O1",
        "-fPIC",
        "-pthread",
        "-DDLCORE_WITH_CUDA=1",
        f"-I{Path(__file__).parent / 'include'}",
        f"-I{bdir}",
        f"-I{ROOT / 'csrc'}",
        f"-I{pybind11.get_include()}",
        f"-I{sysconfig.get_paths()['include']}",
    ]
    objects, jobs = [], []
    headers = [h.stat().st_mtime for h in (ROOT / "csrc").rglob("*") if h.suffix in (".h", ".cuh")]
    newest_header = max(
        headers + [Path(__file__).parent.joinpath("include", "cuda_runtime.h").stat().st_mtime]
    )
    for src in sources:  # compiled two at a time; an object newer than its source and headers is kept
        obj = bdir / (src.stem + ".o")
        objects.append(str(obj))
        if not obj.exists() or obj.stat().st_mtime < max(src.stat().st_mtime, newest_header):
            jobs.append(["g++", *flags, "-c", str(src), "-o", str(obj)])
    while jobs:
        running = [subprocess.Popen(cmd) for cmd in jobs[:2]]
        jobs = jobs[2:]
        if any(p.wait() for p in running):
            sys.exit("cuda_emu: compilation failed")
    out = bdir / f"_cuda_emu{ext}"
    subprocess.run(["g++", "-shared", "-pthread", *objects, "-o", str(out)], check=True)
    print(out)


if __name__ == "__main__":
    main()
