"""`python -m vae.hub`: a model folder to a Hub model repo, or the app to a Space; its code is vae.publish.hub. The
static edition's words and layout come from the UI (ui.static_page), which the command hands over, so that vae/ never
imports the UI."""

import sys

from vae.publish.hub import main


def static_page(facts: list[dict]) -> dict:
    from ui.static_page import page_settings  # only the static edition needs the UI's words (and Gradio's import)

    return page_settings(facts)


if __name__ == "__main__":
    sys.exit(main(static_page=static_page))
