"""File storage behind one small protocol (``base.Storage``): a local directory now, S3 later (DESIGN.md §2).

Key layout (DESIGN.md §2): ``<partner>/<tenant>/<yearId>/<jobId>/input/<templateKey>__<name>`` and
``.../output/...``; rosters under ``__rosters/...``.
"""
