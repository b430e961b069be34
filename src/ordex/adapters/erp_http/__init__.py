"""The generic HTTP/JSON ERP connector and its mapping file (docs/erp.md)."""

from ordex.adapters.erp_http.connector import HttpErp, retry_after
from ordex.adapters.erp_http.mapping import ErpMapping, LoadedMapping, load_mapping

__all__ = ["ErpMapping", "HttpErp", "LoadedMapping", "load_mapping", "retry_after"]
