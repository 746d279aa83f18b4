"""The five real seed lists (tests/data/lists): exact counts, exact rows, nothing that is not an entry."""

from __future__ import annotations

import dataclasses
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from enrich.parsing import Entry, parse_paths
from enrich.parsing.text import MOJIBAKE_MARKERS

RAW = (
    Path(__file__).resolve().parents[1] / "data" / "lists"
)  # the tests' copy of the seed lists (PROVENANCE.md)
GUIDE = "medllms-practical-guide-2023"
REVIEW = "llm-healthcare-assistant-review"
SCRAPED = "medllms-practical-guide-2025-scraped"
DATASETS = "medical-healthcare-dataset-for-llm"
ABSTRACTS = "llm-medical-abstracts"

_NONE = dict.fromkeys(
    (
        "authors_raw",
        "year",
        "venue_raw",
        "arxiv_id",
        "arxiv_version",
        "doi",
        "pmcid",
        "pmid",
        "acl_id",
        "s2_corpus_id",
        "github_repo",
        "hf_id",
        "hf_kind",
        "description",
        "name",
        "title",
    )
)


def row(**fields: object) -> Entry:
    return Entry(**{**_NONE, **fields})  # type: ignore[arg-type]


@cache
def _entries() -> tuple[Entry, ...]:
    result = parse_paths([RAW])
    assert result.problems == []
    assert result.files == 5
    return tuple(result.entries)


def entry(list_id: str, line: int) -> Entry:
    found = [e for e in _entries() if e.list_id == list_id and e.line == line]
    assert len(found) == 1, (list_id, line, found)
    return found[0]


def _lines(*spans: tuple[int, int] | int) -> list[int]:
    out: list[int] = []
    for s in spans:
        out.extend(range(s[0], s[1] + 1) if isinstance(s, tuple) else [s])
    return out


# every entry line of every list, read off the files by hand
EXPECTED_LINES = {
    GUIDE: _lines(
        (65, 74),
        (78, 92),
        (95, 98),
        (104, 109),
        (112, 118),
        (121, 134),
        (136, 145),
        (150, 154),
        (157, 158),
        (161, 168),
        (171, 173),
        (176, 180),
        (183, 185),
        (188, 191),
        (196, 201),
        (204, 206),
        (209, 210),
        (213, 215),
        (218, 222),
        (225, 229),
        (235, 236),
        (239, 240),
        (243, 248),
        251,
    ),
    REVIEW: _lines((35, 66), (69, 86), (89, 95), (98, 106), (111, 116)),
    SCRAPED: _lines((44, 54)),
    DATASETS: _lines((10, 29), (35, 76), 78, (85, 103), (108, 124), (134, 155), (161, 207)),
    ABSTRACTS: [15, 21, 27, 33, 41],
}


def test_every_entry_and_nothing_else() -> None:
    got: dict[str, list[int]] = {}
    for e in _entries():
        got.setdefault(e.list_id, []).append(e.line)
    assert got == EXPECTED_LINES


def test_counts_per_list_and_kind() -> None:
    assert Counter(e.list_id for e in _entries()) == {
        GUIDE: 131,
        REVIEW: 72,
        SCRAPED: 11,
        DATASETS: 168,
        ABSTRACTS: 5,
    }
    assert Counter((e.list_id, e.kind) for e in _entries()) == {
        (GUIDE, "paper"): 93,
        (GUIDE, "dataset"): 37,
        (GUIDE, "repo"): 1,
        (REVIEW, "paper"): 52,
        (REVIEW, "repo"): 19,
        (REVIEW, "model"): 1,
        (SCRAPED, "paper"): 11,
        (DATASETS, "dataset"): 63,
        (DATASETS, "model"): 43,
        (DATASETS, "paper"): 62,
        (ABSTRACTS, "paper"): 5,
    }


def test_ids_unique_and_text_clean() -> None:
    entries = _entries()
    assert len({e.entry_id for e in entries}) == len(entries)
    for e in entries:
        for field in ("section", "name", "title", "authors_raw", "venue_raw", "description"):
            value = getattr(e, field)
            assert value is None or not any(m in value for m in MOJIBAKE_MARKERS), (e.list_id, e.line, value)
            assert value is None or value == value.strip()
    sections = {e.section for e in entries}
    assert "Practical Guide for Medical LLMs > Pre-training from Scratch" in sections
    assert "Practical Guide for Challenges > Hallucination" in sections
    assert all("🔥" not in (s or "") for s in sections)


# ---------------------------------------------------------------- bold-name bullets (2023 guide, mojibake)


def test_bold_name_bullet_with_mac_roman_colon() -> None:
    # * **PubMedBERT**ÔºöDomain-specific ... 2021. [paper](https://dl.acm.org/doi/abs/10.1145/3458754)
    assert entry(GUIDE, 66) == row(
        entry_id="medllms-practical-guide-2023:f9ebfb9307e43515",
        list_id=GUIDE,
        line=66,
        section="Practical Guide for Medical LLMs > Pre-training from Scratch",
        kind="paper",
        name="PubMedBERT",
        title="Domain-specific language model pretraining for biomedical natural language processing",
        year=2021,
        doi="10.1145/3458754",
        urls=("https://dl.acm.org/doi/abs/10.1145/3458754",),
        work_key="arxiv:2007.15779",  # same title as the arXiv entry in the dataset list
        parse_shape="bold_name",
        parse_confidence=0.8,
    )


def test_bold_link_resource_in_a_data_section() -> None:
    assert entry(GUIDE, 104) == row(
        entry_id="medllms-practical-guide-2023:5861515314b1e5f1",
        list_id=GUIDE,
        line=104,
        section="Practical Guide for Medical Data > Clinical Knowledge Bases",
        kind="dataset",
        name="Drugs.com",
        urls=("https://www.drugs.com/",),
        work_key="url:b6ddf70628ae3eec",
        parse_shape="bold_name",
        parse_confidence=0.8,
    )


def test_bullet_spanning_two_lines() -> None:
    assert entry(GUIDE, 134) == row(
        entry_id="medllms-practical-guide-2023:282913a5b3c19096",
        list_id=GUIDE,
        line=134,
        section="Practical Guide for Medical Data > Fine-tuning Data",
        kind="dataset",
        name="VariousMedQA",
        title="Visual med-alpaca: A parameter-efficient biomedical llm with visual capabilities",
        year=2023,
        github_repo="cambridgeltl/visual-med-alpaca",
        urls=("https://github.com/cambridgeltl/visual-med-alpaca",),
        work_key="title:d3ecc17b070642b1",
        parse_shape="bold_name",
        parse_confidence=0.8,
    )


def test_unnamed_bullet_with_lancet_doi() -> None:
    assert entry(GUIDE, 162) == row(
        entry_id="medllms-practical-guide-2023:460767b5db48a9aa",
        list_id=GUIDE,
        line=162,
        section="Practical Guide for Clinical Applications > Clinical Report Generation",
        kind="paper",
        name="ChatGPT",
        title="ChatGPT: the future of discharge summaries?",
        year=2023,
        doi="10.1016/s2589-7500(23)00021-3",
        urls=("https://www.thelancet.com/journals/landig/article/PIIS2589-7500(23)00021-3/fulltext",),
        work_key="doi:10.1016/s2589-7500(23)00021-3",
        parse_shape="text_links",
        parse_confidence=0.85,
    )


def test_guide_title_only_entry_joins_arxiv_entry_of_another_list() -> None:
    oup = entry(GUIDE, 65)  # BioBERT, linked to academic.oup.com (no DOI in the URL)
    assert (oup.name, oup.doi, oup.arxiv_id) == ("BioBERT", None, None)
    assert oup.work_key == entry(DATASETS, 170).work_key == "arxiv:1901.08746"


# ---------------------------------------------------------------- dated bullets (healthcare review, cp1252 mojibake)


def test_dated_bullet_with_authors_venue_and_code() -> None:
    assert entry(REVIEW, 36) == row(
        entry_id="llm-healthcare-assistant-review:a214b5ba43aa47b4",
        list_id=REVIEW,
        line=36,
        section="Specialized Medical LLMs",
        kind="paper",
        title="Large language models encode clinical knowledge",
        authors_raw="Karan Singhal et al.",
        year=2022,
        venue_raw="Nature",
        doi="10.1038/s41586-023-06291-2",
        hf_id="google/flan-t5-xl",
        hf_kind="model",
        urls=(
            "https://www.nature.com/articles/s41586-023-06291-2",
            "https://huggingface.co/google/flan-t5-xl",
        ),
        work_key="arxiv:2212.13138",
        parse_shape="dated",
        parse_confidence=0.9,
    )


def test_dated_bullet_bare_name_is_a_repo() -> None:
    assert entry(REVIEW, 58) == row(
        entry_id="llm-healthcare-assistant-review:bb9d70d9f11bcf9b",
        list_id=REVIEW,
        line=58,
        section="Specialized Medical LLMs",
        kind="repo",
        name="PULSE",
        authors_raw="OpenMedLab",
        year=2023,
        github_repo="openmedlab/pulse",
        urls=("https://github.com/openmedlab/PULSE",),
        work_key="github:openmedlab/pulse",
        parse_shape="dated",
        parse_confidence=0.9,
    )


def test_dated_bullet_authors_with_initials_and_nested_section() -> None:
    assert entry(REVIEW, 112) == row(
        entry_id="llm-healthcare-assistant-review:a32de09c402c22db",
        list_id=REVIEW,
        line=112,
        section="Valuable Resources > Related Surveys > LLMs",
        kind="paper",
        title="Language Model Behavior: A Comprehensive Survey",
        authors_raw="Tyler A. Chang, Benjamin K. Bergen",
        year=2023,
        venue_raw="arXiv",
        arxiv_id="2303.11504",
        urls=("https://arxiv.org/abs/2303.11504",),
        work_key="arxiv:2303.11504",
        parse_shape="dated",
        parse_confidence=0.9,
    )


# ---------------------------------------------------------------- scraped plain text


def test_scraped_line_without_colon() -> None:
    assert entry(SCRAPED, 45) == row(
        entry_id="medllms-practical-guide-2025-scraped:f4a388e1b13fbbbd",
        list_id=SCRAPED,
        line=45,
        section="Practical Guide for Building Pipeline > Pre-training from Scratch",
        kind="paper",
        name="NYUTron",
        title="Health system-scale language models are all-purpose prediction engines",
        year=2023,
        venue_raw="Nature",
        urls=(),
        work_key="doi:10.1038/s41586-023-06160-y",  # same title as the review's Nature entry
        parse_shape="plaintext",
        parse_confidence=0.8,
    )


def test_scraped_line_with_colon_and_labels() -> None:
    assert entry(SCRAPED, 51) == row(
        entry_id="medllms-practical-guide-2025-scraped:4d4cfe7e9da38e7e",
        list_id=SCRAPED,
        line=51,
        section="Practical Guide for Building Pipeline > Pre-training from Scratch",
        kind="paper",
        name="BioLinkBERT/LinkBERT",
        title="Pretraining Language Models with Document Links",
        year=2022,
        venue_raw="ACL",
        urls=(),
        work_key="arxiv:2203.15827",  # subtitle of "LinkBERT: Pretraining ..." in the dataset list
        parse_shape="plaintext",
        parse_confidence=0.8,
    )


# ---------------------------------------------------------------- tables (dataset list)


def test_dataset_table_row() -> None:
    assert entry(DATASETS, 13) == row(
        entry_id="medical-healthcare-dataset-for-llm:1af29480db605d5e",
        list_id=DATASETS,
        line=13,
        section="Datasets > 中文",
        kind="dataset",
        name="huatuo_encyclopedia_qa",
        hf_id="FreedomIntelligence/huatuo_encyclopedia_qa",
        hf_kind="dataset",
        urls=("https://huggingface.co/datasets/FreedomIntelligence/huatuo_encyclopedia_qa",),
        work_key="hf:dataset/freedomintelligence/huatuo_encyclopedia_qa",
        description=(
            "该数据集共有364,420条医疗QA数据，其中一些数据以不同的方式包含多个问题。我们从纯文本(例如，"
            "医学百科全书和医学文章)中提取医学QA对。我们在中文维基百科上收集了8699个疾病百科条目和2736个"
            "药物百科条目。此外，我们还从钱文健康网站抓取了226432篇高质量的医学文章。; 数据大小: 605MB"
        ),
        parse_shape="table_row",
        parse_confidence=0.85,
    )


def test_spilled_row_is_merged_and_bare_url_read() -> None:
    assert entry(DATASETS, 76) == row(
        entry_id="medical-healthcare-dataset-for-llm:38c242da94942605",
        list_id=DATASETS,
        line=76,
        section="Datasets > 英文",
        kind="dataset",
        name="PMC-15M",
        arxiv_id="2303.00915",
        urls=("https://arxiv.org/abs/2303.00915",),
        work_key="arxiv:2303.00915",
        description="Multimodel; 数据大小: 15 million Figure-caption pairs",
        parse_shape="table_row",
        parse_confidence=0.85,
    )


def test_model_table_row() -> None:
    assert entry(DATASETS, 86) == row(
        entry_id="medical-healthcare-dataset-for-llm:3b6817d01334b104",
        list_id=DATASETS,
        line=86,
        section="Models",
        kind="model",
        name="BenTsao",
        github_repo="scir-hi/huatuo-llama-med-chinese",
        urls=("https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese",),
        work_key="github:scir-hi/huatuo-llama-med-chinese",
        description=(
            "开源了经过中文医学指令精调/指令微调(Instruct-tuning) 的LLaMA-7B模型。通过医学知识图谱和GPT3.5 "
            "API构建了中文医学指令数据集，并在此基础上对LLaMA进行了指令微调，提高了LLaMA在医疗领域的问答效果。"
        ),
        parse_shape="table_row",
        parse_confidence=0.85,
    )


def test_paper_table_row_with_badges() -> None:
    assert entry(DATASETS, 114) == row(
        entry_id="medical-healthcare-dataset-for-llm:02e5ee1827811536",
        list_id=DATASETS,
        line=114,
        section="Models",
        kind="paper",
        name="ClinicalT5",
        title="ClinicalT5: A Generative Language Model for Clinical Text",
        year=2022,
        acl_id="2022.findings-emnlp.398",
        s2_corpus_id=256631112,
        hf_id="luqh/ClinicalT5-large",
        hf_kind="model",
        urls=(
            "https://aclanthology.org/2022.findings-emnlp.398.pdf",
            "https://img.shields.io/badge/dynamic/json?url=https://api.semanticscholar.org/graph/v1/paper/"
            "CorpusID:256631112?fields=citationCount&query=%24.citationCount&label=citations",
            "https://huggingface.co/luqh/ClinicalT5-large",
            "https://img.shields.io/badge/dynamic/json?url=https://huggingface.co/api/models/luqh/"
            "ClinicalT5-large&query=%24.likes&label=🤗+Likes",
        ),
        work_key="acl:2022.findings-emnlp.398",
        description="Institute: University of Oregon, Baidu",
        parse_shape="table_row",
        parse_confidence=0.85,
    )


def test_popular_llms_row_with_split_bare_url() -> None:
    # "https://github.com/SCIR-HI/ Huatuo-Llama-Med-Chinese": the space is repaired in link columns
    assert entry(DATASETS, 143) == row(
        entry_id="medical-healthcare-dataset-for-llm:c392b608e40fa008",
        list_id=DATASETS,
        line=143,
        section="Popular LLMs",
        kind="model",
        name="BenTsao",
        year=2023,
        github_repo="scir-hi/huatuo-llama-med-chinese",
        urls=("https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese",),
        work_key="github:scir-hi/huatuo-llama-med-chinese",
        description="Knowledge graph; Base: LLaMA; Para. (B): 7",
        parse_shape="table_row",
        parse_confidence=0.85,
    )


def test_papers_bullet_with_rsna_doi_and_hf_model() -> None:
    assert entry(DATASETS, 185) == row(
        entry_id="medical-healthcare-dataset-for-llm:0c50799fe77bdf4c",
        list_id=DATASETS,
        line=185,
        section="Papers",
        kind="paper",
        name="RadBERT",
        title="RadBERT: Adapting Transformer-based Language Models to Radiology",
        doi="10.1148/ryai.210258",
        hf_id="UCSD-VA-health/RadBERT-RoBERTa-4m",
        hf_kind="model",
        urls=(
            "https://pubs.rsna.org/doi/epdf/10.1148/ryai.210258",
            "https://huggingface.co/UCSD-VA-health/RadBERT-RoBERTa-4m",
        ),
        work_key="doi:10.1148/ryai.210258",
        parse_shape="text_links",
        parse_confidence=0.85,
    )


# ---------------------------------------------------------------- title + abstract bullets


def test_title_with_abstract() -> None:
    got = entry(ABSTRACTS, 27)
    assert got.description is not None
    assert got.description.startswith(
        "Recent large language models (LLMs) in the general domain, such as ChatGPT"
    )
    assert got.description.endswith("available at: https://github.com/Kent0n-Li/ChatDoctor.")
    assert dataclasses.replace(got, description=None) == row(
        entry_id="llm-medical-abstracts:00b915352e4ea156",
        list_id=ABSTRACTS,
        line=27,
        section="Interactive chatting",
        kind="paper",
        name="ChatDoctor",
        title="ChatDoctor: A Medical Chat Model Fine-tuned on LLaMA Model using Medical Domain Knowledge",
        urls=(),
        work_key="title:6180f9b2a4eb32a0",
        parse_shape="title_abstract",
        parse_confidence=0.85,
    )
    assert entry(ABSTRACTS, 41).section == "Non chat based use"


@pytest.mark.parametrize(
    ("list_id", "line"),
    [
        (GUIDE, 29),  # table of contents
        (GUIDE, 254),  # acknowledgement
        (REVIEW, 5),  # news
        (REVIEW, 122),  # contributors
        (REVIEW, 21),  # table of contents
        (DATASETS, 77),  # the spilled-over "pairs" row
        (DATASETS, 126),  # template row inside an HTML comment
        (DATASETS, 211),  # "Other Awesome List": a link to another list, navigation not an entry
        (SCRAPED, 15),  # contributing template
        (SCRAPED, 21),  # prose bullet
        (SCRAPED, 28),  # table of contents
        (ABSTRACTS, 7),  # "- Content" navigation bullet
    ],
)
def test_non_entries(list_id: str, line: int) -> None:
    assert [e for e in _entries() if e.list_id == list_id and e.line == line] == []
