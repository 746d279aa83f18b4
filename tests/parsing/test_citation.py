"""The reference parser: one reference string per common citation style, split into fields."""

from __future__ import annotations

import pytest

from enrich.parsing.citation import Reference, looks_like_authors, parse_reference, split_authors

BIOBERT = "BioBERT: a pre-trained biomedical language representation model for biomedical text mining"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # MLA-like, as in the deep-learning reading roadmap (quoted title, year in parentheses)
            'LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton. "Deep learning." Nature 521.7553 (2015): 436-444.',
            Reference(
                title="Deep learning",
                authors="LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton",
                first_author="LeCun, Yann",
                venue="Nature",
                year=2015,
                style="quoted",
                confidence=0.9,
            ),
        ),
        (  # IEEE
            'A. Vaswani, N. Shazeer, N. Parmar, et al., "Attention is all you need," in Advances in Neural '
            "Information Processing Systems, vol. 30, 2017, pp. 5998-6008.",
            Reference(
                title="Attention is all you need",
                authors="A. Vaswani, N. Shazeer, N. Parmar, et al",
                first_author="A. Vaswani",
                venue="Advances in Neural Information Processing Systems",
                year=2017,
                style="quoted",
                confidence=0.9,
            ),
        ),
        (  # APA with a DOI URL at the end
            "Lee, J., Yoon, W., Kim, S., Kim, D., Kim, S., So, C. H., & Kang, J. (2020). " + BIOBERT + ". "
            "Bioinformatics, 36(4), 1234-1240. https://doi.org/10.1093/bioinformatics/btz682",
            Reference(
                title=BIOBERT,
                authors="Lee, J., Yoon, W., Kim, S., Kim, D., Kim, S., So, C. H., & Kang, J.",
                first_author="Lee, J.",
                venue="Bioinformatics",
                year=2020,
                style="apa",
                confidence=0.85,
            ),
        ),
        (  # Vancouver with doi:
            "Lee J, Yoon W, Kim S, Kim D, Kim S, So CH, Kang J. " + BIOBERT + ". "
            "Bioinformatics. 2020;36(4):1234-1240. doi:10.1093/bioinformatics/btz682",
            Reference(
                title=BIOBERT,
                authors="Lee J, Yoon W, Kim S, Kim D, Kim S, So CH, Kang J.",
                first_author="Lee J",
                venue="Bioinformatics",
                year=2020,
                style="vancouver",
                confidence=0.8,
            ),
        ),
        (  # numbered Vancouver with et al.
            "[3] Singhal K, Azizi S, Tu T, et al. Large language models encode clinical knowledge. "
            "Nature. 2023;620(7972):172-180.",
            Reference(
                title="Large language models encode clinical knowledge",
                authors="Singhal K, Azizi S, Tu T, et al.",
                first_author="Singhal K",
                venue="Nature",
                year=2023,
                style="vancouver",
                confidence=0.8,
            ),
        ),
        (  # ACM
            "Jacob Devlin, Ming-Wei Chang, Kenton Lee, and Kristina Toutanova. 2019. BERT: Pre-training of "
            "Deep Bidirectional Transformers for Language Understanding. In Proceedings of NAACL-HLT. 4171-4186.",
            Reference(
                title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
                authors="Jacob Devlin, Ming-Wei Chang, Kenton Lee, and Kristina Toutanova",
                first_author="Jacob Devlin",
                venue="Proceedings of NAACL-HLT",
                year=2019,
                style="acm",
                confidence=0.8,
            ),
        ),
        (  # arXiv preprint: the arXiv id is not part of the venue; doubled opening quotes
            'Sutskever, et al. "“Sequence to sequence learning with neural networks." '
            "arXiv preprint arXiv:1409.3215 (2014)",
            Reference(
                title="Sequence to sequence learning with neural networks",
                authors="Sutskever, et al",
                first_author="Sutskever",
                venue="arXiv preprint",
                year=2014,
                style="quoted",
                confidence=0.9,
            ),
        ),
        (  # Chicago: year after the authors, then the quoted title
            'Mordvintsev, Alexander; Olah, Christopher; Tyka, Mike (2015). "Inceptionism: Going Deeper into '
            'Neural Networks". Google Research.',
            Reference(
                title="Inceptionism: Going Deeper into Neural Networks",
                authors="Mordvintsev, Alexander; Olah, Christopher; Tyka, Mike",
                first_author="Mordvintsev, Alexander",
                venue="Google Research",
                year=2015,
                style="quoted",
                confidence=0.9,
            ),
        ),
    ],
)
def test_reference_styles(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "How should medical LLMs be built?",
        "Towards expert-level medical question answering with large language models",
        "",
    ],
)
def test_not_a_reference(text: str) -> None:
    assert parse_reference(text) is None


def test_authors_that_are_not_names_lower_the_confidence() -> None:
    ref = parse_reference('see the overview in our group. "A survey of everything in medicine." Blog, 2021.')
    assert ref is not None
    assert ref.title == "A survey of everything in medicine"
    assert ref.confidence == pytest.approx(0.6)


def test_split_and_recognise_authors() -> None:
    assert split_authors("Krizhevsky, Alex, Ilya Sutskever, and Geoffrey E. Hinton") == [
        "Krizhevsky, Alex",
        "Ilya Sutskever",
        "Geoffrey E. Hinton",
    ]
    assert split_authors("Wu J et al.") == ["Wu J"]
    assert looks_like_authors("Lingpeng Kong, Cyprien de Masson d'Autume, Lei Yu")
    assert looks_like_authors("Wu J et al.")
    assert not looks_like_authors("a statistical and human evaluation of sixteen LLMs")
    assert not looks_like_authors("Nature Medicine, 2024")
