"""cvbuild: structured CV content to a print-quality LaTeX PDF."""

__version__ = "0.1.0"
