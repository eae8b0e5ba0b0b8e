"""Text: everything Rasad reads out of a page and out of an article's words.

extract (page → article), encoding (bytes → text), arabic (normalisation, tokens, stems), numbers and
dates (every way the Arabic press writes them), relevance and aboutness (is it about the event),
facts, compare and background (against the reference article), clusters (stories).
"""
