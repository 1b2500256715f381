"""The app's words and its Gradio workarounds: what app.py needs besides vae/."""
