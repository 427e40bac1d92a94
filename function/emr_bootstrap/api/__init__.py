"""The HTTP API behind the FC3 HTTP trigger (``index.http_handler``): versioned routes over the application layer.

``router`` turns one FC3 HTTP event into one FC3 HTTP reply; ``routes`` is the route table (the one place a new
route is added); ``statuses`` maps a result to an HTTP status. Stdlib only: this package is imported on the HTTP
function's cold start, and the CLI and its libraries never come near it. ``openapi.json`` describes the API.
"""
