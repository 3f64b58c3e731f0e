"""The explorer's maths and training: plain functions, plain results, plotly figures.

Nothing in this package imports streamlit; the pages in `app/` only draw what it returns.
"""
