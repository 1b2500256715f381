// The share link under the Explore picture (#share-link), on both pages: its address follows the picture on screen
// (share_codec.js writes it as vae/latent/share_link.py reads it), and its Copy button copies it. The pages draw the
// element (the Gradio page redraws it at will), so it is looked up each time and its button's clicks are caught on the
// document.

import { shareLinkUrl } from "./share_codec.js";

export class ShareLink {
  constructor(explorer) {
    this.explorer = explorer; // its settings and latest values are the picture on screen
    this.document = explorer.document;
    this.document.addEventListener("click", (event) => {
      if (event.target instanceof Element && event.target.matches("#share-link .share-copy")) this.copy(event.target);
    });
  }

  url() {
    const { settings, latest } = this.explorer;
    return shareLinkUrl(settings, latest, this.document.location.href);
  }

  update() {
    const anchor = this.document.querySelector("#share-link a.share-url");
    if (anchor) anchor.href = this.url();
  }

  async copy(button) {
    try {
      await navigator.clipboard.writeText(this.url());
      button.textContent = "Copied";
    } catch {
      button.textContent = "Could not copy: right-click the link instead";
    }
  }
}
