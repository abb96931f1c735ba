"""The thin edges over `assistant.pipeline.Assistant`: the `assistant` CLI (`cli`), the Gradio
chat page (`ui`), the HTTP API with its OpenAI-compatible route (`api`), and `doctor`. No
answer logic lives here.

May import: anything in `assistant`.
"""
