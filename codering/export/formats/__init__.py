"""One module per export format; each renders a list of :class:`codering.export.table.Table` to text or bytes.

    markdown.py  to_markdown   pipe tables, notes under each
    csv.py       to_csv        one table per file, UTF-8 with BOM; Dutch tables ";" and 12,5
    html.py      to_html       one page, a <table> per table
    latex.py     to_latex      booktabs; longtable past 30 rows
    xlsx.py      to_xlsx       XlsxWriter: a sheet per table
    docx.py      to_docx       python-docx: a captioned Word table per table
    terminal.py  rich_table    the terminal and the UI preview

:mod:`codering.export.writers` chooses the format and writes the files.
"""
