"""Excel import of the roster, appraisals, certificates and care records.

An import reads one .xlsx made from the downloadable template, checks the headers, then
every cell and every row, and plans what it would create, update or leave unchanged.
Nothing is written unless the whole file is valid (all-or-nothing), and rows are matched
to existing records so that importing the same file twice changes nothing.
"""
