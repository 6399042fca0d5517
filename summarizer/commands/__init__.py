"""One module per `summarizer` subcommand, each with `register(subparsers)`.

Modules import heavy libraries (torch, gradio) inside their run functions, so `summarizer parse`
starts fast.
"""
