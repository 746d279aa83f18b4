"""Parse speed and memory: a generated 100,000-entry list mixing every format, parsed from disk.

    uv run --frozen python benchmarks/bench_parse.py [--entries 100000]

Writes a markdown list (bold-name bullets with Mac-Roman mojibake, dated bullets with italic
authors, text-then-links bullets, title + abstract bullets, dataset/model tables with shields.io
badges and a spilled-over row) and a plain-text rendering into a temp directory, parses them with
:func:`enrich.parsing.parse_paths` (ids, kinds, entry ids and cross-list work keys included) and
prints entries/s (wall and CPU time) and peak memory (the process's own peak RSS, ``VmHWM``: not
``ru_maxrss``, which Linux carries from a parent across fork and exec; and with ``--tracemalloc`` the
peak of Python allocations during the parse).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench_nightly import peak_rss_mb

from enrich.parsing import parse_paths

MOJI_COLON = "：".encode().decode("mac_roman")  # "Ôºö": UTF-8 read as Mac Roman


def _section(k: int, per: int, out: list[str], start: int) -> int:
    """Append one section of ``per`` entries in format ``k % 6``; returns entries written."""
    out.append(f"\n## \uf8ffüî• Section {k}\n")
    fmt = k % 6
    if fmt == 4:
        out.append("| Title | Institute | Date | Code |")
        out.append("| --- | --- | --- | --- |")
    if fmt == 5:
        out.append("| **数据集名称** | **内容概述** | **获取链接** | **数据大小** |")
        out.append("|---|---|---|---|")
    for j in range(per):
        i = start + j
        arxiv = f"23{(i % 12) + 1:02d}.{i % 100000:05d}"
        if fmt == 0:
            out.append(
                f"* **Model{i}**{MOJI_COLON}A study of generative model number {i} for medicine. 2023. "
                f"[paper](https://arxiv.org/abs/{arxiv}v{i % 3 + 1})"
            )
        elif fmt == 1:
            out.append(
                f"- [2023/{(i % 12) + 1:02d}] **System{i}: Towards Expert-Level Medical Reasoning {i}** "
                f"*Ada Lovelace et al. arXiv.* [[paper](https://arxiv.org/pdf/{arxiv}.pdf)] "
                f"[[code](https://github.com/org{i % 97}/repo-{i}/tree/main)]"
            )
        elif fmt == 2:
            out.append(
                f"- Protein language model {i}: structure and function [[Paper]]"
                f"(https://www.biorxiv.org/content/10.1101/2022.{i % 12 + 1:02d}.{i % 28 + 1:02d}.{i}v2.abstract) "
                f"[[Code]](https://huggingface.co/org{i % 13}/model-{i})"
            )
        elif fmt == 3:
            out.append(f"- Vision–language model for question answering in medical imagery {i}\n")
            out.append("    - **Abstract:** \n")
            out.append(f"    In the clinical domain, medical images play a critical role ({i}).\n")
        elif fmt == 4:
            out.append(
                f"| [Paper {i}: clinical text generation](https://www.nature.com/articles/s41746-0{i:06d}-x) "
                f"| Lab {i % 7} <br> ![citations](https://img.shields.io/badge/dynamic/json?url=https://api."
                f"semanticscholar.org/graph/v1/paper/CorpusID:{100000 + i}?fields=citationCount&query=%24."
                f"citationCount&label=citations) | 2022-12 | [HuggingFace](https://huggingface.co/lab/m{i}) |"
            )
        else:
            if j % 50 == 49:  # a row whose last cell spilled onto the next row
                out.append(f"| Set-{i} | Multimodel | | 15 million figure-caption |")
                out.append(f"| pairs | https://arxiv.org/abs/{arxiv} | | |")
            else:
                out.append(
                    f"| Set-{i} | 医学问答数据 {i} | [下载链接](https://huggingface.co/datasets/s/d{i}) | 3GB |"
                )
    return per


def generate(directory: Path, total: int) -> int:
    """Write the benchmark lists; returns the number of entries they hold."""
    txt_entries = total // 10
    md_entries = total - txt_entries
    lines: list[str] = ["# Benchmark list", "", "## Table of Contents", "* [Section 0](#section-0)"]
    per = 500
    written = 0
    k = 0
    while written < md_entries:
        written += _section(k, min(per, md_entries - written), lines, written)
        k += 1
    (directory / "bench.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    txt = [
        "Bench page",
        "Table of Contents",
        "- 🔥 Building",
        "- 📣 Update News",
        "🔥 Building",
        "Pre-training",
    ]
    txt += [
        f"- [Nature Medicine, 2024] Model{i} A generalist foundation model number {i} for biomedicine paper code"
        for i in range(txt_entries)
    ]
    (directory / "bench.txt").write_text("\n".join(txt) + "\n", encoding="utf-8")
    return written + txt_entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slow: about 4x the time)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        expected = generate(directory, args.entries)
        size = sum(p.stat().st_size for p in directory.iterdir())
        gc.collect()
        rss_before = peak_rss_mb()
        cpu = time.process_time()
        started = time.perf_counter()
        result = parse_paths([directory])
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        rss_after = peak_rss_mb()
        traced = None
        if args.tracemalloc:
            del result
            gc.collect()
            tracemalloc.start()
            result = parse_paths([directory])
            traced = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    count = len(result.entries)
    print(f"input: {expected} entries in {size / 2**20:.1f} MiB of list files")
    print(f"parsed: {count} entries, {len(result.problems)} problems")
    print(f"wall time: {wall:.2f} s -> {count / wall:,.0f} entries/s")
    print(f"CPU time:  {cpu:.2f} s -> {count / cpu:,.0f} entries/s (the machine may be shared)")
    print(
        f"peak memory: max RSS {rss_after:.0f} MiB "
        f"({max(rss_after - rss_before, 0):.0f} MiB above the {rss_before:.0f} MiB before parsing)"
    )
    if traced is not None:
        print(f"peak memory: {traced / 2**20:.1f} MiB of Python allocations traced during the parse")
    if count != expected or result.problems:
        print(f"MISMATCH: expected {expected} entries and no problems", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
