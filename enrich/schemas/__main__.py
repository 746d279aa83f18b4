"""``python -m enrich.schemas > docs/data-dictionary.md`` prints the data dictionary."""

from enrich.schemas.dictionary import data_dictionary_markdown

if __name__ == "__main__":  # docs/data-dictionary.md: python -m enrich.schemas > docs/data-dictionary.md
    print(data_dictionary_markdown(), end="")
