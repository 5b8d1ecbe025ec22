"""The secretariat's overview over HTTP: pages, exports and the Teams tab pages. The rules (who may see
what, filters, counts, export rows) are in `handlers.overview`; this package only speaks HTTP and HTML."""
