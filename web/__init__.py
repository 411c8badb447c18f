"""HTTP front ends over one Assistant: the OpenAI-compatible API, the JSON API, the Gradio UI, and what they
share (access control, the model queue, error bodies). `app.py` wires them into one FastAPI app."""
