"""The web page of `summarizer serve`: `service` (the work, no Gradio), `highlight` (summary sentences →
supporting paragraphs) and `page` (the Gradio Blocks). Import `page` only when serving: it loads Gradio."""
