"""Each entry shape on small inputs, mojibake repair, and the inline reader."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.parsing import parse_text
from enrich.parsing.inline import Seg, plain, tokenize, urls
from enrich.parsing.text import clean_heading, repair_line, repair_text, split_name, split_title_year


def _fields(text: str, *names: str, plaintext: bool = False) -> list[tuple[object, ...]]:
    return [tuple(getattr(e, n) for n in names) for e in parse_text(text, "t", plaintext=plaintext)]


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("* **PubMedBERT**ÔºöDomain-specific", "* **PubMedBERT**：Domain-specific"),
        ("star ‚≠ê on GitHub", "star ⭐ on GitHub"),
        ("## \uf8ffüòÆ Highlights", "## 😮 Highlights"),
        ("## ‚öîÔ∏è Practical Guide", "## ⚔️ Practical Guide"),
        ("human‚Äìhuman", "human–human"),
        ("## ðŸ”” News", "## 🔔 News"),
        ("- âœ¨ [2023/11/03] We", "- ✨ [2023/11/03] We"),
        ("Don’t Stop – café", "Don’t Stop – café"),  # real punctuation and accents stay
        ("中文（测试）：好", "中文（测试）：好"),  # full-width punctuation stays
        ("plain ascii", "plain ascii"),
    ],
)
def test_repair_line(raw: str, fixed: str) -> None:
    assert repair_line(raw) == fixed
    assert repair_line(fixed) == fixed


def test_repair_text_keeps_line_count() -> None:
    text = "a\r\nÔºö\n\n‚≠ê\u2028x\n"
    assert repair_text(text).count("\n") == text.count("\n")


@pytest.mark.parametrize(
    ("heading", "clean"),
    [
        ("🔥 Practical Guide for Medical LLMs", "Practical Guide for Medical LLMs"),
        ("⚔️ Challenges:", "Challenges"),
    ],
)
def test_clean_heading(heading: str, clean: str) -> None:
    assert clean_heading(heading) == clean


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("ChatDoctor: A Medical Chat Model", "ChatDoctor"),
        ("Med-PaLM 2: Towards Expert-Level", "Med-PaLM 2"),
        ("Visual Med-Alpaca: A Parameter-Efficient", "Visual Med-Alpaca"),
        ("BioELECTRA:Pretrained Biomedical text Encoder", "BioELECTRA"),
        ("Language Model Behavior: A Comprehensive Survey", None),
        ("Towards Reasoning in Large Language Models: A Survey", None),
        ("HuatuoGPT, towards Taming Language Model", None),
        ("Trailing colon:", None),
    ],
)
def test_split_name(title: str, name: str | None) -> None:
    assert split_name(title) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Title. 2023.", ("Title", 2023)),
        ("Why?. 2023.", ("Why?", 2023)),
        ("Interaction, 2023,", ("Interaction", 2023)),
        ("Healthcare Magic.", ("Healthcare Magic", None)),
        ("Models in 2023", ("Models in 2023", None)),
    ],
)
def test_split_title_year(text: str, expected: tuple[str | None, int | None]) -> None:
    assert split_title_year(text) == expected


def test_inline_reader() -> None:
    segs = tokenize(
        "**[Drugs.com](https://www.drugs.com/)** [![Arxiv](https://img.shields.io/b.svg)](https://arxiv.org/abs/1)"
        " see https://example.org/a_(b). and <br/> *x* \\_y\\_ &amp; [T](https://x.org/PIIS2589-7500(23)00021-3/f)"
    )
    assert [s.kind for s in segs] == [
        "bold",
        "text",
        "link",
        "text",
        "link",
        "text",
        "italic",
        "text",
        "link",
    ]
    assert plain(segs) == "Drugs.com see https://example.org/a_(b). and x _y_ & T"
    assert urls(segs) == [
        "https://www.drugs.com/",
        "https://arxiv.org/abs/1",
        "https://img.shields.io/b.svg",
        "https://example.org/a_(b)",
        "https://x.org/PIIS2589-7500(23)00021-3/f",
    ]
    assert tokenize("a [[paper](https://p.org)] b")[1] == Seg(
        "link", "paper", "https://p.org", (Seg("text", "paper"),)
    )


def test_bold_name_and_unnamed_bullets() -> None:
    text = (
        "## Models\n\n### Sub\n"
        "* **BioBERT**: A pre-trained model. 2020. [paper](https://arxiv.org/abs/1901.08746v4)\n"
        "* **Name Only**\n"
        "* Survey of things in medicine, 2023, [paper](https://dl.acm.org/doi/abs/10.1145/3571730)\n"
        "* How should medical LLMs be built?\n"
    )
    assert _fields(
        text, "line", "section", "kind", "name", "title", "year", "arxiv_id", "arxiv_version", "doi"
    ) == [
        (4, "Models > Sub", "paper", "BioBERT", "A pre-trained model", 2020, "1901.08746", 4, None),
        (
            6,
            "Models > Sub",
            "paper",
            None,
            "Survey of things in medicine",
            2023,
            None,
            None,
            "10.1145/3571730",
        ),
    ]


def test_dated_bullets() -> None:
    text = (
        "- [2023/05] **QiZhenGPT: An Open Source Chinese Medical LLM** *Yao Chang et al.* [[code](https://github.com/CMKRG/QiZhenGPT)]\n"
        "- [2023/06] **ClinicalGPT: Finetuned LLMs** *Guangyu Wang et al.* arXiv. [[paper](https://arxiv.org/abs/2306.09968)]\n"
        "- [2023/03] **Palmyra-Large Parameter Autoregressive Language Model** *Writer Engineering team.* [[code](https://huggingface.co/Writer/palmyra-med-20b)]\n"
    )
    assert _fields(text, "kind", "name", "title", "authors_raw", "venue_raw", "year") == [
        (
            "repo",
            "QiZhenGPT",
            "QiZhenGPT: An Open Source Chinese Medical LLM",
            "Yao Chang et al.",
            None,
            2023,
        ),
        ("paper", "ClinicalGPT", "ClinicalGPT: Finetuned LLMs", "Guangyu Wang et al.", "arXiv", 2023),
        (
            "model",
            None,
            "Palmyra-Large Parameter Autoregressive Language Model",
            "Writer Engineering team",
            None,
            2023,
        ),
    ]


def test_link_first_bullets_and_toc() -> None:
    text = (
        "## Contents\n- [Tools](#tools)\n\n"
        "## Tools\n"
        "- [Tools](#tools)\n"
        "- [medalpaca](https://github.com/kbressem/medAlpaca) - Medical LLM fine-tuning.\n"
        "- [MedQA dataset](https://huggingface.co/datasets/bigbio/med_qa)\n"
    )
    assert _fields(text, "line", "kind", "name", "github_repo", "hf_id", "description") == [
        (6, "repo", "medalpaca", "kbressem/medalpaca", None, "Medical LLM fine-tuning"),
        (7, "dataset", "MedQA dataset", None, "bigbio/med_qa", None),
    ]


def test_abstract_bullets() -> None:
    text = (
        "# Title\n\n- Content\n\n    - Chat based use\n\n## Chat\n\n"
        "- ProGen: Language Modeling for Protein Generation\n\n    - **Abstract:** \n    \n"
        "    Generative modeling for protein engineering.\n\n"
        "- Inline: Abstract On The Same Line\n    - **Abstract:** It works.\n"
    )
    assert _fields(text, "line", "section", "kind", "name", "title", "description") == [
        (
            9,
            "Chat",
            "paper",
            "ProGen",
            "ProGen: Language Modeling for Protein Generation",
            "Generative modeling for protein engineering.",
        ),
        (15, "Chat", "paper", "Inline", "Inline: Abstract On The Same Line", "It works."),
    ]


def test_tables_spill_comment_and_skipped_sections() -> None:
    text = (
        "## Datasets\n\n| 数据集名称 | 内容概述 | 获取链接 | 数据大小 |\n|---|---|---|---|\n"
        "| A-1 | EHR | https://mimic.mit.edu/docs/iii/ | 58,976 admissions |\n"
        "| B-2 | Multimodel | | 15 million Figure-caption |\n"
        "| pairs | https://arxiv.org/abs/2303.00915 | | |\n"
        "| C-3 | Dialogue | - | 1K |\n"
        "<!--\n| [Paper Name](arxiv link) | x | 20xx-xx | [HF](https://github.com) |\n-->\n\n"
        "## Models\n\n| **Model Name** | **Base** | **Date** | **Link** |\n|---|---|---|---|\n"
        "| GatorTron | Transformer | 06/2022 | https://github.com/uf-hobi-informatics-lab/GatorTron |\n\n"
        "## Licenses\n\n| Name | Link |\n|---|---|\n| MIT | https://opensource.org/licenses/MIT |\n"
    )
    assert _fields(text, "line", "section", "kind", "name", "year", "urls", "description") == [
        (
            5,
            "Datasets",
            "dataset",
            "A-1",
            None,
            ("https://mimic.mit.edu/docs/iii/",),
            "EHR; 数据大小: 58,976 admissions",
        ),
        (
            6,
            "Datasets",
            "dataset",
            "B-2",
            None,
            ("https://arxiv.org/abs/2303.00915",),
            "Multimodel; 数据大小: 15 million Figure-caption pairs",
        ),
        (8, "Datasets", "dataset", "C-3", None, (), "Dialogue; 数据大小: 1K"),
        (
            17,
            "Models",
            "model",
            "GatorTron",
            2022,
            ("https://github.com/uf-hobi-informatics-lab/GatorTron",),
            "Base: Transformer",
        ),
    ]


def test_plaintext_rendering() -> None:
    text = (
        "Page title\nTable of Contents\n- 📣 Update News\n- 🔥 Building\n"
        "📣 Update News\n- [Nature, 2025] Not An Entry Because News paper\n"
        "🔥 Building\n<div><img src='x.png'></div>Pre-training from Scratch\n"
        "- [Nature Medicine, 2024] BiomedGPT A generalist vision–language foundation model paper\n"
        "- [Arxiv, 2023] OphGLM: Training an Ophthalmology Assistant. paper code\n"
        "- How should medical LLMs be built?\n"
        "Security Score\n"
    )
    assert _fields(text, "line", "section", "kind", "name", "title", "year", "venue_raw", plaintext=True) == [
        (
            9,
            "Building > Pre-training from Scratch",
            "paper",
            "BiomedGPT",
            "A generalist vision–language foundation model",
            2024,
            "Nature Medicine",
        ),
        (
            10,
            "Building > Pre-training from Scratch",
            "paper",
            "OphGLM",
            "Training an Ophthalmology Assistant",
            2023,
            "Arxiv",
        ),
    ]


def test_long_documents_parse_in_chunks_exactly_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from enrich.parsing import markdown

    parts = ["# Title\n"]
    for k in range(30):
        parts.append(f"## Section {k}\n")
        parts.append("```\n# not a heading inside a fence\n* not an entry\n```\n")
        parts.append("<!--\n\n# not a heading inside a comment\n\n-->\n")
        parts.extend(
            f"* **M{k}x{j}**: A title for {k} {j}. 2023. [paper](https://arxiv.org/abs/2301.{k:02d}{j:03d})\n"
            for j in range(5)
        )
        parts.append("\n| Model Name | Link |\n|---|---|\n")
        parts.append(f"| T{k} | https://github.com/o/r{k} |\n\n")
    text = "".join(parts)
    whole = markdown.parse_markdown(text)
    monkeypatch.setattr(markdown, "_CHUNK_LINES", 7)
    assert len(list(markdown._chunks(text))) > 20
    assert markdown.parse_markdown(text) == whole
    assert len(whole) == 30 * 6
    assert whole[-1].line == text.count("\n") - 1
    assert whole[-1].section == "Section 29"


def test_venue_first_bullets() -> None:
    text = (
        "## Pre-training from Scratch\n"
        "* [**Nature Medicine, 2024**] BiomedGPT: A generalist vision–language foundation model. "
        "[[paper]](https://www.nature.com/articles/s41591-024-03185-2) [[code]](https://github.com/taokz/BiomedGPT)\n"
        "* [**Nature, 2023**] NYUTron Health system-scale language models are all-purpose prediction engines "
        "[[paper]](https://www.nature.com/articles/s41586-023-06160-y)\n"
    )
    assert _fields(text, "line", "kind", "name", "title", "year", "venue_raw", "doi", "github_repo") == [
        (
            2,
            "paper",
            "BiomedGPT",
            "A generalist vision–language foundation model",
            2024,
            "Nature Medicine",
            "10.1038/s41591-024-03185-2",
            "taokz/biomedgpt",
        ),
        (
            3,
            "paper",
            "NYUTron",
            "Health system-scale language models are all-purpose prediction engines",
            2023,
            "Nature",
            "10.1038/s41586-023-06160-y",
            None,
        ),
    ]


def test_nested_link_bullets_belong_to_their_entry() -> None:
    text = (
        "- Med-Flamingo: a Multimodal Medical Few-shot Learner [paper](https://arxiv.org/abs/2307.15189)\n"
        "  - [code](https://github.com/snap-stanford/med-flamingo) | [demo](https://example.org/demo)\n"
        "  - [Other Tool](https://github.com/o/tool) - a nested entry of its own\n"
    )
    assert _fields(text, "line", "name", "arxiv_id", "github_repo", "urls") == [
        (
            1,
            "Med-Flamingo",
            "2307.15189",
            "snap-stanford/med-flamingo",
            (
                "https://arxiv.org/abs/2307.15189",
                "https://github.com/snap-stanford/med-flamingo",
                "https://example.org/demo",
            ),
        ),
        (3, "Other Tool", None, "o/tool", ("https://github.com/o/tool",)),
    ]


_PIECES = [
    "# T\n", "## S\n", "* **N**: T. 2023. ", "- [2023/04] **T** *A et al. V.* ", "[[paper](https://arxiv.org/abs/2301.00001)]",
    "[x](#a)", "| a | b |\n|---|---|\n| c | https://github.com/o/r |\n", "<!--\n", "-->\n", "```\n", "\n",
    "    - **Abstract:** ", "- [Nature, 2023] X Y. paper\n", "Ôºö", "ðŸ””", "**", "*", "[", "](", ")", "\\", "<br>",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=20)), max_size=40), st.booleans())
def test_parser_never_crashes(pieces: list[str], plaintext: bool) -> None:
    entries = parse_text("".join(pieces), "fuzz", plaintext=plaintext)
    assert len({e.entry_id for e in entries}) == len(entries)
    assert all(e.line >= 1 and e.kind in {"paper", "repo", "model", "dataset", "resource"} for e in entries)
