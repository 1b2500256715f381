// The static page's first view as drawn at staging (vae/publish/static_site.py start_view, site.json's start): its
// picture and each main slider's strip, shown on the Explore view (./explore_view.js) before onnxruntime-web and the
// decoder arrive, until the browser decodes them.

export async function showStart(explore, start) {
  const image = async (path) => {
    const picture = new Image();
    picture.src = explore.site.url(path);
    await picture.decode();
    return picture;
  };
  const [picture, sheet] = await Promise.all([image(start.picture), image(start.strips.sheet)]);
  if (explore.live) return; // the browser painted first
  explore.picture.width = picture.naturalWidth;
  explore.picture.height = picture.naturalHeight;
  explore.picture.getContext("2d").drawImage(picture, 0, 0);
  const { rows, columns } = start.strips;
  const side = sheet.naturalWidth / columns;
  const tile = explore.document.createElement("canvas");
  tile.width = tile.height = side;
  const positions = explore.settings.previews.positions;
  for (let k = 0; k < rows; k++) {
    const strip = explore.document.querySelector(`#preview-${k} .slider-preview`);
    if (!strip) continue;
    const name = explore.document.querySelector(`#preview-${k} input[data-said]`)?.dataset.said ?? `slider ${k + 1}`;
    while (strip.children.length < columns) strip.append(explore.document.createElement("img"));
    for (let j = 0; j < columns; j++) {
      tile.getContext("2d").drawImage(sheet, j * side, k * side, side, side, 0, 0, side, side);
      strip.children[j].src = tile.toDataURL("image/png");
      strip.children[j].alt = `${start.model}, ${name} at ${positions[j] > 0 ? "+" : ""}${positions[j]}`;
    }
  }
  explore.times.firstPicture ??= performance.now();
}
