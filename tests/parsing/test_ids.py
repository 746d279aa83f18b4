"""Identifier recognition and normalisation: exact values, plus hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.ids import (
    Ids,
    arxiv_datacite_doi,
    doi_from_url,
    extract_ids,
    normalize_acl_id,
    normalize_arxiv_id,
    normalize_doi,
    normalize_github_repo,
    normalize_hf_id,
    normalize_pmcid,
    normalize_pmid,
    normalize_title,
    s2_corpus_id_from_url,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/2106.09685", ("2106.09685", None)),
        ("https://arxiv.org/abs/2106.09685v2", ("2106.09685", 2)),
        ("http://arxiv.org/abs/2303.13375v1/", ("2303.13375", 1)),
        ("https://arxiv.org/pdf/2203.03540v2.pdf", ("2203.03540", 2)),
        ("https://arxiv.org/pdf/1901.08746", ("1901.08746", None)),
        ("https://arxiv.org/html/2403.01234v1", ("2403.01234", 1)),
        ("https://export.arxiv.org/abs/2106.09685", ("2106.09685", None)),
        ("arxiv.org/abs/2106.09685v10", ("2106.09685", 10)),
        ("arXiv:2106.09685v2", ("2106.09685", 2)),
        ("arxiv: 2106.09685", ("2106.09685", None)),
        ("2106.09685", ("2106.09685", None)),
        ("0704.0001", ("0704.0001", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v3", ("hep-th/9901001", 3)),
        ("math.CA/0611800", ("math/0611800", None)),
        ("https://arxiv.org/abs/hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("https://arxiv.org/abs/math.CA/0611800", ("math/0611800", None)),
        ("https://huggingface.co/papers/2106.09685", ("2106.09685", None)),
        ("https://doi.org/10.48550/arXiv.2106.09685", ("2106.09685", None)),
        # not arXiv ids
        ("1501.0001", None),  # 4-digit numbers ended in 2014
        ("1412.12345", None),  # 5-digit numbers began in 2015
        ("2113.00001", None),  # month 13
        ("foo/9901001", None),  # no such archive
        ("https://example.org/abs/2106.09685", None),
        ("https://arxiv.org/list/cs.CL/recent", None),
        ("", None),
        ("v2", None),
    ],
)
def test_normalize_arxiv_id(text: str, expected: tuple[str, int | None] | None) -> None:
    assert normalize_arxiv_id(text) == expected


def test_arxiv_datacite_doi() -> None:
    assert arxiv_datacite_doi("2106.09685v2") == "10.48550/arxiv.2106.09685"
    assert arxiv_datacite_doi("hep-th/9901001") == "10.48550/arxiv.hep-th/9901001"
    with pytest.raises(ValueError, match="not an arXiv id"):
        arxiv_datacite_doi("nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1038/S41586-023-06291-2", "10.1038/s41586-023-06291-2"),
        ("doi:10.1145/3458754", "10.1145/3458754"),
        ("DOI: 10.1145/3458754.", "10.1145/3458754"),
        ("https://doi.org/10.1000/ABC%2Fdef", "10.1000/abc/def"),
        ("http://dx.doi.org/10.1016/S0140-6736(23)00216-7", "10.1016/s0140-6736(23)00216-7"),
        ("https://doi.org/10.1016/S0140-6736(23)00216-7)", "10.1016/s0140-6736(23)00216-7"),
        ("doi.org/10.1371/journal.pone.0033693?utm=x#top", "10.1371/journal.pone.0033693"),
        ("10.1000", None),
        ("11.1000/abc", None),
        ("10.1000/a b", None),
        ("", None),
    ],
)
def test_normalize_doi(text: str, expected: str | None) -> None:
    assert normalize_doi(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://doi.org/10.1038/s41591-023-02448-8", "10.1038/s41591-023-02448-8"),
        ("https://dx.doi.org/10.1145/3571730", "10.1145/3571730"),
        ("https://www.nature.com/articles/s41586-023-06291-2", "10.1038/s41586-023-06291-2"),
        ("https://www.nature.com/articles/s41746-021-00455-y.pdf", "10.1038/s41746-021-00455-y"),
        ("https://www.nature.com/articles/sdata201635", "10.1038/sdata.2016.35"),
        ("https://dl.acm.org/doi/abs/10.1145/3458754", "10.1145/3458754"),
        ("https://dl.acm.org/doi/pdf/10.1145/3571730", "10.1145/3571730"),
        ("https://dl.acm.org/doi/full/10.1145/3571730", "10.1145/3571730"),
        ("https://dl.acm.org/doi/10.1145/3571730", "10.1145/3571730"),
        (
            "https://www.biorxiv.org/content/10.1101/2022.08.04.502811v3.abstract",
            "10.1101/2022.08.04.502811",
        ),
        ("https://www.biorxiv.org/content/10.1101/2023.04.19.537463.abstract", "10.1101/2023.04.19.537463"),
        ("https://www.biorxiv.org/content/10.1101/2021.10.04.463034v2.full", "10.1101/2021.10.04.463034"),
        ("https://www.biorxiv.org/content/10.1101/2021.10.04.463034v2.full.pdf", "10.1101/2021.10.04.463034"),
        ("https://www.medrxiv.org/content/10.1101/2023.04.18.23288752v3", "10.1101/2023.04.18.23288752"),
        ("https://pubs.rsna.org/doi/epdf/10.1148/ryai.210258", "10.1148/ryai.210258"),
        ("https://www.science.org/doi/full/10.1126/science.abq1158", "10.1126/science.abq1158"),
        ("https://www.pnas.org/doi/abs/10.1073/pnas.2016239118", "10.1073/pnas.2016239118"),
        ("https://onlinelibrary.wiley.com/doi/full/10.1002/widm.1234", "10.1002/widm.1234"),
        ("https://link.springer.com/article/10.1007/s12369-023-01054-5", "10.1007/s12369-023-01054-5"),
        ("https://link.springer.com/content/pdf/10.1007/978-3-319-19896-5.pdf", "10.1007/978-3-319-19896-5"),
        ("https://www.frontiersin.org/articles/10.3389/fmed.2023.1234/full", "10.3389/fmed.2023.1234"),
        (
            "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0033693",
            "10.1371/journal.pone.0033693",
        ),
        ("https://mededu.jmir.org/2023/1/e48291/", "10.2196/48291"),
        (
            "https://www.thelancet.com/journals/landig/article/PIIS2589-7500(23)00021-3/fulltext",
            "10.1016/s2589-7500(23)00021-3",
        ),
        # URLs that carry no DOI
        ("https://academic.oup.com/bioinformatics/article/39/1/btac773/6887136", None),
        ("https://academic.oup.com/bib/article-abstract/23/6/bbac409/6713511", None),
        ("https://www.sciencedirect.com/science/article/pii/S0747563215001247", None),
        ("https://www.mdpi.com/2076-3417/11/14/6421", None),
        ("https://ieeexplore.ieee.org/abstract/document/10218893/", None),
        ("https://arxiv.org/abs/2106.09685", None),
        ("https://www.nature.com/", None),
        ("not a url", None),
    ],
)
def test_doi_from_url(url: str, expected: str | None) -> None:
    assert doi_from_url(url) == expected


@pytest.mark.parametrize(
    ("text", "pmcid", "pmid"),
    [
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10020064/", "PMC10020064", None),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC10364849/", "PMC10364849", None),
        ("https://europepmc.org/article/PMC/PMC123", "PMC123", None),
        ("pmc0123", "PMC123", None),
        ("https://pubmed.ncbi.nlm.nih.gov/37438534/", None, "37438534"),
        ("https://www.ncbi.nlm.nih.gov/pubmed/37438534", None, "37438534"),
        ("https://europepmc.org/article/MED/37438534", None, "37438534"),
        ("PMID: 37438534", None, "37438534"),
        ("037438534", None, "37438534"),
        ("https://pubmed.ncbi.nlm.nih.gov/download/", None, None),
        ("https://example.org/pmc/articles/PMC1/", None, None),
        ("PMC0", None, None),
    ],
)
def test_pubmed_ids(text: str, pmcid: str | None, pmid: str | None) -> None:
    assert normalize_pmcid(text) == pmcid
    assert normalize_pmid(text) == pmid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://aclanthology.org/2022.bionlp-1.9.pdf", "2022.bionlp-1.9"),
        ("https://aclanthology.org/2020.clinicalnlp-1.17/", "2020.clinicalnlp-1.17"),
        ("https://aclanthology.org/2022.findings-emnlp.398.pdf", "2022.findings-emnlp.398"),
        ("https://aclanthology.org/2020.acl-main.447", "2020.acl-main.447"),
        ("https://www.aclweb.org/anthology/P18-1001", "P18-1001"),
        ("https://aclweb.org/anthology/P18-1001.pdf", "P18-1001"),
        ("https://www.aclweb.org/anthology/P/P18/P18-1001.pdf", "P18-1001"),
        ("p18-1001", "P18-1001"),
        ("2020.ACL-main.447", "2020.acl-main.447"),
        ("https://aclanthology.org/volumes/2020.acl-main/", None),
        ("https://aclanthology.org/", None),
        ("https://example.org/P18-1001", None),
        ("P18-100", None),
    ],
)
def test_normalize_acl_id(text: str, expected: str | None) -> None:
    assert normalize_acl_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://github.com/microsoft/LLaVA-Med", "microsoft/llava-med"),
        ("https://github.com/microsoft/LLaVA-Med/blob/main/README.md", "microsoft/llava-med"),
        ("https://github.com/deepmind/codoc/tree/main", "deepmind/codoc"),
        ("https://github.com/X/Y.git", "x/y"),
        ("git@github.com:X/Y.git", "x/y"),
        (
            "https://github.com/tatsu-lab/stanford\\_alpaca/blob/main/alpaca\\_data.json",
            "tatsu-lab/stanford_alpaca",
        ),
        ("http://www.github.com/A/B?tab=readme-ov-file#usage", "a/b"),
        ("github.com/A/B/", "a/b"),
        ("Owner/Repo", "owner/repo"),
        (
            "https://img.shields.io/github/stars/GanjinZero/KeBioLM?style=social&label=Stars",
            "ganjinzero/kebiolm",
        ),
        ("https://github.com/features/copilot", None),
        ("https://github.com/orgs/openmedlab/repositories", None),
        ("https://github.com/topics/llm", None),
        ("https://github.com/czifan", None),
        ("https://github.com/SCIR-HI/", None),
        ("https://github.com", None),
        ("https://gitlab.com/a/b", None),
        ("https://github.com/-bad/repo", None),
        ("a/b/c", None),
    ],
)
def test_normalize_github_repo(text: str, expected: str | None) -> None:
    assert normalize_github_repo(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://huggingface.co/microsoft/biogpt", ("model", "microsoft/biogpt")),
        ("https://huggingface.co/microsoft/biogpt/tree/main", ("model", "microsoft/biogpt")),
        ("https://huggingface.co/stanford-crfm/BioMedLM?x=1#y", ("model", "stanford-crfm/BioMedLM")),
        ("https://huggingface.co/gpt2", ("model", "gpt2")),
        ("https://huggingface.co/bert-base-uncased", ("model", "bert-base-uncased")),
        ("https://huggingface.co/datasets/medical_dialog", ("dataset", "medical_dialog")),
        ("https://huggingface.co/datasets/shibing624/medical", ("dataset", "shibing624/medical")),
        ("https://huggingface.co/datasets/axiong/pmc\\_oa\\_beta", ("dataset", "axiong/pmc_oa_beta")),
        ("https://huggingface.co/datasets/a/b/blob/main/x.json", ("dataset", "a/b")),
        ("https://huggingface.co/spaces/allen-eric/radiology-gpt", ("space", "allen-eric/radiology-gpt")),
        ("https://huggingface.co/api/models/UFNLP/gatortron-base", ("model", "UFNLP/gatortron-base")),
        ("https://huggingface.co/api/datasets/shibing624/medical", ("dataset", "shibing624/medical")),
        ("https://hf.co/google/flan-t5-xl", ("model", "google/flan-t5-xl")),
        ("https://huggingface.co/microsoft", None),  # an organisation page
        ("https://huggingface.co/spaces/gradio", None),
        ("https://huggingface.co/docs/transformers", None),
        ("https://huggingface.co/api/models/", None),
        ("https://huggingface.co/", None),
        ("https://example.org/microsoft/biogpt", None),
    ],
)
def test_normalize_hf_id(url: str, expected: tuple[str, str] | None) -> None:
    assert normalize_hf_id(url) == expected


S2_BADGE = (
    "https://img.shields.io/badge/dynamic/json?url=https://api.semanticscholar.org/graph/v1/paper/"
    "CorpusID:102352093?fields=citationCount&query=%24.citationCount&label=citations"
)
S2_BADGE_ENCODED = (
    "https://img.shields.io/badge/dynamic/json?url=https%3A%2F%2Fapi.semanticscholar.org%2Fgraph%2Fv1"
    "%2Fpaper%2FCorpusID%3A59291975%3Ffields%3DcitationCount&query=%24.citationCount&label=citations"
)
HF_BADGE = (
    "https://img.shields.io/badge/dynamic/json?url=https://huggingface.co/api/models/"
    "emilyalsentzer/Bio_ClinicalBERT&query=%24.likes&label=🤗+Likes"
)


def test_s2_corpus_id_from_badges() -> None:
    assert s2_corpus_id_from_url(S2_BADGE) == 102352093
    assert s2_corpus_id_from_url(S2_BADGE_ENCODED) == 59291975
    assert s2_corpus_id_from_url("https://api.semanticscholar.org/CorpusID:42") == 42
    assert s2_corpus_id_from_url("https://example.org/CorpusID:42") is None
    assert s2_corpus_id_from_url("https://img.shields.io/badge/License-MIT-blue.svg") is None


def test_extract_ids_first_of_each_kind_wins() -> None:
    got = extract_ids(
        [
            "#section",
            "docs/local.md",
            S2_BADGE_ENCODED,
            "https://arxiv.org/abs/2303.13375v1",
            "https://arxiv.org/pdf/2106.09685v2.pdf",
            "https://github.com/microsoft/LLaVA-Med",
            "https://img.shields.io/github/stars/dmis-lab/biobert?style=social&label=Stars",
            HF_BADGE,
            "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10020064/",
            "https://pubmed.ncbi.nlm.nih.gov/37438534/",
            "https://aclanthology.org/2022.bionlp-1.9.pdf",
            "https://www.nature.com/articles/s41586-023-06291-2",
            "https://doi.org/10.1145/3571730",
        ]
    )
    assert got == Ids(
        arxiv_id="2303.13375",
        arxiv_version=1,
        doi="10.1038/s41586-023-06291-2",
        pmcid="PMC10020064",
        pmid="37438534",
        acl_id="2022.bionlp-1.9",
        corpus_id=59291975,
        github_repo="microsoft/llava-med",
        hf_kind="model",
        hf_id="emilyalsentzer/Bio_ClinicalBERT",
    )


def test_extract_ids_arxiv_datacite_doi_is_arxiv_and_relative_links_ignored() -> None:
    assert extract_ids(["https://doi.org/10.48550/arXiv.2106.09685", "owner/repo"]) == Ids(
        arxiv_id="2106.09685"
    )
    assert extract_ids([]) == Ids()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "LLaMA 2: Open Foundation and Fine-Tuned Chat Models",
            "llama 2 open foundation and fine tuned chat models",
        ),
        ("  Ça, c'est “Déjà vu”!  ", "ca c est deja vu"),
        ("ＦＵＬＬ－ｗｉｄｔｈ　ＭｅｄＱＡ", "full width medqa"),
        ("华佗GPT：中文医疗大模型", "华佗gpt 中文医疗大模型"),
        ("snake_case__title", "snake case title"),
        ("", ""),
    ],
)
def test_normalize_title(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


# ---------------------------------------------------------------- properties

_URLISH = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda host, path: f"https://{host}/{path}",
        st.sampled_from(
            [
                "arxiv.org",
                "doi.org",
                "github.com",
                "huggingface.co",
                "aclanthology.org",
                "www.nature.com",
                "www.biorxiv.org",
                "img.shields.io",
                "pubmed.ncbi.nlm.nih.gov",
                "www.ncbi.nlm.nih.gov",
                "dl.acm.org",
            ]
        ),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    ),
)


@settings(max_examples=300, deadline=None)
@given(_URLISH)
def test_no_crash_on_arbitrary_text(text: str) -> None:
    for fn in (
        normalize_arxiv_id,
        normalize_doi,
        doi_from_url,
        normalize_pmcid,
        normalize_pmid,
        normalize_acl_id,
        normalize_github_repo,
        normalize_hf_id,
        s2_corpus_id_from_url,
        normalize_title,
    ):
        fn(text)
    extract_ids([text, text.upper()])


@settings(max_examples=300, deadline=None)
@given(_URLISH)
def test_normalisation_is_idempotent(text: str) -> None:
    arxiv = normalize_arxiv_id(text)
    if arxiv is not None:
        assert normalize_arxiv_id(arxiv[0]) == (arxiv[0], None)
        assert normalize_arxiv_id(f"https://arxiv.org/abs/{arxiv[0]}") == (arxiv[0], None)
    for fn in (normalize_doi, normalize_pmcid, normalize_pmid, normalize_acl_id, normalize_github_repo):
        once = fn(text)
        if once is not None:
            assert fn(once) == once, fn.__name__
    doi = doi_from_url(text)
    if doi is not None:
        assert normalize_doi(doi) == doi
        assert doi_from_url(f"https://doi.org/{doi}") == doi
    hf = normalize_hf_id(text)
    if hf is not None:
        prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[hf[0]]
        assert normalize_hf_id(f"https://huggingface.co/{prefix}{hf[1]}") == hf
    title = normalize_title(text)
    assert normalize_title(title) == title


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"\A(0[7-9]|1[0-4])(0[1-9]|1[0-2])\.\d{4}\Z|\A(1[5-9]|2\d)(0[1-9]|1[0-2])\.\d{5}\Z"),
    st.integers(min_value=1, max_value=99),
)
def test_arxiv_ids_round_trip_through_every_url_form(arxiv_id: str, version: int) -> None:
    for form in (
        f"https://arxiv.org/abs/{arxiv_id}v{version}",
        f"https://arxiv.org/pdf/{arxiv_id}v{version}.pdf",
        f"https://arxiv.org/html/{arxiv_id}v{version}",
        f"arXiv:{arxiv_id}v{version}",
        f"{arxiv_id}v{version}",
    ):
        assert normalize_arxiv_id(form) == (arxiv_id, version)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"\A[0-9][A-Za-z0-9]{0,9}\Z"),  # no reserved site page starts with a digit
    st.from_regex(r"\A[A-Za-z0-9_-]{1,20}\Z"),
    st.sampled_from(["", ".git", "/tree/main/src", "/blob/main/README.md", "?tab=x", "#readme", "/"]),
)
def test_github_repo_from_any_repo_url(owner: str, repo: str, tail: str) -> None:
    assert normalize_github_repo(f"https://github.com/{owner}/{repo}{tail}") == f"{owner}/{repo}".lower()
