"""The shipped CV, built for real: every section of the seed is in the PDF."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from cvbuild.bibliography import load_publications
from cvbuild.load import load_cv
from tests.conftest import CONTENT, BuiltPdf, squash

pytestmark = pytest.mark.tex

SAMPLES = {
    "header": ["Sebastian", "Lapuschkin", "Dr. rer. nat.", "né Bach", "Kaiserin-Augusta-Allee 92",
               "10589 Berlin", "sebastian@lapuschkin.com", "+49 (177) 483-2754", "Würzburg",
               "sebastian-lapuschkin", "Google Scholar", "nationality: german"],
    "bio": ["pioneering contributions to the field of Explainable Artificial Intelligence",
            "data and algorithm visualization"],
    "experience": ["Head of Explainable Artificial Intelligence", "Tenured Researcher",
                   "Student Research- & Teaching Assistant", "Student Teaching Assistant",
                   "2 PostDocs, 11 PhD researchers, 14 student research assistants",
                   "h.266 (VVC) video codec", "Prof. Dr. Odej Kao", "Jan 2021 – today",
                   "Oct 2009 – Sep 2011"],
    "education": ["PhD in Machine Learning", "summa cum laude",
                  "Opening the machine learning black box with Layer-wise Relevance Propagation",
                  "On Pixel-wise Predictions from Image-wise Bag of Words Classification",
                  "Keyword-Based Image Browsing of Large Image Databases",
                  "Prof. Dr. Kristian Hildebrand", "Deutschhaus-Gymnasium", "Abitur"],
    "teaching": ["WS 21/22", "Guest Lecturer @ Universitat de Girona", "SS 17",
                 "Seminar Cognitive Algorithms", "WS 09/10", "Advanced Algorithms",
                 "Methodisch-praktische Grundlagen der Informatik 2"],
    "supervision": ["Dr. R P Klausen", "XAI in Physics-Informed Neural Networks", "O Böhler",
                    "Reactive-Clarifai for Model Self-Correction", "V Srinivasan",
                    "Compressed Domain XAI", "E Dolgener-Cantú", "A Frommholz",
                    "M Kohlbrenner", "Composite Rule Sets for Layer-wise Relevance Propagation",
                    "L Tětková", "C I López González", "Universität Heidelberg | EMBL",
                    "Guest Researchers", "Master's Students"],
    "projects": ["TEMA", "Trusted Extremely Precise Mapping and Prediction for Emergency Management",
                 "DAKI-FWS", "iToBoS", "BerDiBa", "Patho234", "TraMeExCo",
                 "Transparent Medical Expert Companion", "Dec 2022 – Nov 2026"],
    "skills": ["Sun Grid Engine", "WYSIWYG word processors", "full professional proficiency"],
    "awards": ["Stanford Top 2% Scientist Worldwide 2022", "rank(ns)=136,075",
               "Best Short Paper Award", "Hugo-Geiger-Prize", "1st place", "Freunde des HHI",
               "Cor Baayen Young Researcher Award", "finalist",
               "ICML'16 Workshop on Visualization for Deep Learning"],
    "patents": ["EP 4001902 A1", "EP 3991102 A1", "US 2022/0114455 A1", "WO 2020/260656 A1",
                "CN 107636693", "EP 3271863", "JP 6725547", "KR 102130162", "CA 2979579",
                "RU 2703343", "BR 112017019821", "US 20180018553 A1", "WO 2016150472 A1",
                "Relevancy Assessment for Artificial Neural Networks", "CN 107636693 (granted)",
                "29 Sep 2016"],
    "talks": ["Explaining AI with Concept Relevance Propagation", "6 Oct 2023",
              "4th Japanese-American-German Frontiers of Science (JAGFOS) Symposium",
              "Zukünftige Trends in der KI und Einsatzmöglichkeiten im Bauwesen", "IDA Retreat",
              "10 Sep 2014", "excludes internal/confidential events"],
    "lectures": ["Invited Lectures", "Individual Lectures as Parts of Seminars and Workshops",
                 "Human-Understandable Explanations through Concept Relevance Propagation",
                 "13/14/16 Dec 2021", "Neuronale Netze mit LRP (richtig) erklären", "Aug 2020",
                 "SIMULA Summer School on Smart cities for a Sustainable Energy Future"],
    "impact": ["Summary of Scientific Impact", "Since 2018", "12,117", "11,660", "h-index",
               "i10-index", "per Google Scholar", "13 Oct 2023"],
    "publications": ["Journal Articles", "Contributions to Conference Proceedings and Workshops",
                     "Book Chapters", "Preprints",
                     "From attribution maps to human-understandable explanations through Concept Relevance Propagation",
                     "Nature Machine Intelligence", "github.com/rachteibat/zennit-crp",
                     "Explaining NonLinear Classification Decisions with Deep Taylor Decomposition",
                     "Pattern Recognition Best Paper Award and Pattern Recognition Medal winner",
                     "Best Short Paper Award Winner", "Best Paper Award Winner",
                     "Detecting Behavioural and Structural Anomalies in Media-Cloud Applications",
                     "arXiv: 1409.8035", "Lecture Notes in Computer Science"],
}  # fmt: skip


@pytest.mark.parametrize("section", sorted(SAMPLES))
def test_every_section_is_in_the_pdf(full_pdf: BuiltPdf, section: str) -> None:
    missing = [phrase for phrase in SAMPLES[section] if not full_pdf.has(phrase)]
    assert not missing, f"{section}: not found in the PDF: {missing}"


def test_every_publication_title_is_in_the_pdf(full_pdf: BuiltPdf) -> None:
    cv = load_cv(CONTENT)
    publications = load_publications(cv.bibliography, CONTENT)
    assert len(publications) == 58
    missing = [p.key for p in publications if not full_pdf.has(_title(p.fields["title"]))]
    assert not missing


def _title(raw: str) -> str:
    return re.sub(r"\\textsuperscript\{(.*?)\}", r"\1", raw).replace("{", "").replace("}", "")


def test_publications_are_numbered_per_category(full_pdf: BuiltPdf) -> None:
    text = full_pdf.main
    head = {
        "Journal Articles": 23,
        "Contributions to Conference Proceedings and Workshops": 22,
        "Book Chapters": 4,
        "Preprints": 9,
    }
    positions = [squash(text).index(squash(title)) for title in head]
    assert positions == sorted(positions), "categories are printed in the content's order"
    # Each list's labels run 1..N in the hints column; the largest label is the category size.
    labels = [int(t) for t in re.findall(r"^(\d{1,2})$", full_pdf.hints, re.M)]
    runs, current = [], []
    for label in labels:
        if label == 1 and current:
            runs.append(current)
            current = []
        current.append(label)
    runs.append(current)
    assert [max(run) for run in runs[-4:]] == [23, 22, 4, 9]
    assert all(run == list(range(1, len(run) + 1)) for run in runs[-4:])


def test_newest_publication_first(full_pdf: BuiltPdf) -> None:
    text = squash(full_pdf.main)
    newest = text.index(squash("From attribution maps to human-understandable"))
    oldest = text.index(squash("On Pixel-wise Explanations for Non-Linear Classifier Decisions"))
    assert newest < oldest


def test_publication_count_is_computed_from_the_bib(full_pdf: BuiltPdf) -> None:
    # the main column read line by line (pdftotext's reading order splits the table's columns)
    assert re.search(r"#\s*Publications\s+58\s+43", full_pdf.main)


def test_footer_shows_page_x_of_y_and_as_of_date(full_pdf: BuiltPdf) -> None:
    pages = len(PdfReader(full_pdf.path).pages)
    assert pages > 4
    for number in (1, pages):
        assert f"Page {number} of {pages}" in full_pdf.text
    assert full_pdf.text.count("As of 13 Oct 2023") == pages
