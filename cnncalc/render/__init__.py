"""Renderers: turn a :class:`~cnncalc.report.Report` into text. They only render.

:mod:`columns` holds the column titles and cell values every tabular renderer
shares; each renderer module is imported only when its format is asked for, so
``--format json`` never loads Rich.
"""
