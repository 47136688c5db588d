"""The dashboard: a local web server with an HTTP JSON API and a page that uses it.

    from cartelsim.web import WebSettings, create_app
    app = create_app(WebSettings(results_dir=Path("outputs/web"), max_runs=50))

`cartelsim serve` runs it with uvicorn on 127.0.0.1.
"""

from cartelsim.web.app import create_app
from cartelsim.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
