// Compare β's two plots as SVG, drawn from the models' facts and metrics (vae.latent.comparison.plot_data), the same
// on both pages: what β trades (each model's information against how close its copies come) and how each model
// learned (validation PSNR by epoch, with a dashed line where its training changed its goal). Each is drawn as wide
// as its box (so its text keeps its size on a phone) and again when the box changes width. Text and axes take the
// page's text colour (currentColor), so a dark theme keeps them legible; nothing here needs a style sheet.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = { most: 560, least: 300 }; // px: a plot's width follows its box's within these
const HEIGHT = 300; // px: the plot, its ticks and its axis labels, above the legend
const LEGEND_ROW = 18; // px per legend row under the plot
const EDGE = { left: 58, right: 18, top: 10, bottom: 52 }; // room for the ticks and the axis labels
const CHARACTER = 6.6; // about one character's width at the legend's 12 px, to lay the legend out in rows
// one colour per model, by its place in the list: Okabe and Ito's palette, which colour-blind eyes tell apart too
export const MODEL_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];

// round values from low to high about `count` apart: steps of 1, 2 or 5 times a power of ten (as d3's ticks choose)
export function ticks(low, high, count = 5) {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const step = power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1);
  const values = [];
  const slack = 1e-9; // 0.1 / 0.05 is 2.0000000000000004 in floats
  for (let i = Math.ceil(low / step - slack); i * step <= high + slack * step; i++) values.push(Number((i * step).toPrecision(12)));
  return values;
}

// the position of `value` from a [low, high] range onto [from, to] pixels
const scale = ([low, high], [from, to]) => (value) => from + ((value - low) / (high - low)) * (to - from);

function node(name, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  element.append(...children);
  return element;
}

const text = (x, y, words, attributes = {}) => node("text", { x, y, fill: "currentColor", "font-size": 11, ...attributes }, words);

// legend entries (a swatch and a name each) in rows that fit the width; returns the group and the rows it takes
function legend(names, top, swatch, width) {
  const group = node("g");
  let x = EDGE.left;
  let row = 0;
  names.forEach((name, i) => {
    const room = 26 + name.length * CHARACTER;
    if (x + room > width - EDGE.right && x > EDGE.left) { x = EDGE.left; row += 1; }
    const y = top + row * LEGEND_ROW;
    group.append(swatch(x, y, MODEL_COLOURS[i % MODEL_COLOURS.length]), text(x + 18, y + 4, name, { "font-size": 12 }));
    x += room;
  });
  return { group, rows: row + 1 };
}

// the frame every plot shares: grid, ticks, axis labels and legend, `width` px wide; returns the svg and its scales
function frame({ label, xRange, yRange, xLabel, yLabel, names, swatch, width }) {
  const plotBottom = HEIGHT - EDGE.bottom;
  const key = legend(names, plotBottom + 48, swatch, width);
  const height = plotBottom + 48 + key.rows * LEGEND_ROW;
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": label, class: "plot-svg" },
    node("title", {}, label));
  const x = scale(xRange, [EDGE.left, width - EDGE.right]);
  const y = scale(yRange, [plotBottom, EDGE.top]);
  for (const value of ticks(...xRange, Math.round(width / 90))) {
    svg.append(node("line", { x1: x(value), x2: x(value), y1: EDGE.top, y2: plotBottom, stroke: "currentColor", "stroke-opacity": 0.12 }),
      text(x(value), plotBottom + 16, String(value), { "text-anchor": "middle" }));
  }
  for (const value of ticks(...yRange, 5)) {
    svg.append(node("line", { x1: EDGE.left, x2: width - EDGE.right, y1: y(value), y2: y(value), stroke: "currentColor", "stroke-opacity": 0.12 }),
      text(EDGE.left - 6, y(value) + 4, String(value), { "text-anchor": "end" }));
  }
  svg.append(
    node("rect", { x: EDGE.left, y: EDGE.top, width: width - EDGE.left - EDGE.right, height: plotBottom - EDGE.top, fill: "none", stroke: "currentColor", "stroke-opacity": 0.45 }),
    text((EDGE.left + width - EDGE.right) / 2, plotBottom + 34, xLabel, { "text-anchor": "middle", "font-size": 12 }),
    text(14, (EDGE.top + plotBottom) / 2, yLabel, { "text-anchor": "middle", "font-size": 12, transform: `rotate(-90 14 ${(EDGE.top + plotBottom) / 2})` }),
    key.group,
  );
  return { svg, x, y };
}

// each model's test KL against its test PSNR, a dot each, named beside it
export function rateDistortionPlot({ points, kl_range: xRange, psnr_range: yRange }, words, width = WIDTH.most) {
  const said = points.map((p) => `${p.model}: ${p.kl.toFixed(0)} nats, ${p.psnr.toFixed(1)} dB`).join("; ");
  const { svg, x, y } = frame({ label: `${words.rate_distortion_title}. ${said}`, xRange, yRange, width,
    xLabel: words.kl_label, yLabel: words.psnr_label, names: points.map((p) => p.model),
    swatch: (px, py, colour) => node("circle", { cx: px + 6, cy: py, r: 5, fill: colour }) });
  const middle = (EDGE.left + width - EDGE.right) / 2;
  points.forEach((p, i) => {
    const right = x(p.kl) > middle; // a name sits on the side with room
    svg.append(node("circle", { cx: x(p.kl), cy: y(p.psnr), r: 6, fill: MODEL_COLOURS[i % MODEL_COLOURS.length] }),
      text(x(p.kl) + (right ? -10 : 10), y(p.psnr) + 4, p.model, { "text-anchor": right ? "end" : "start", "font-size": 12 }));
  });
  return svg;
}

// each model's validation PSNR by epoch, and a dashed line at each epoch where a model's training changed its goal
export function curvesPlot({ series, epoch_range: xRange, psnr_range: yRange, changes }, words, width = WIDTH.most) {
  const epochs = [...new Set(changes.map((c) => c.epoch))].sort((a, b) => a - b);
  const marks = epochs.map((epoch) => words.change_label.replace("{epoch}", epoch));
  const said = series.map((s) => `${s.model}: ${s.val_psnr.at(-1).toFixed(1)} dB after ${s.epochs.at(-1)} epochs`).join("; ");
  const { svg, x, y } = frame({ label: [`${words.curves_title}. ${said}`, ...marks].join(". "), xRange, yRange, width,
    xLabel: words.epoch_label, yLabel: words.curve_label, names: series.map((s) => s.model),
    swatch: (px, py, colour) => node("line", { x1: px, x2: px + 14, y1: py, y2: py, stroke: colour, "stroke-width": 3 }) });
  const curves = series.map((s, i) => node("polyline", { fill: "none", stroke: MODEL_COLOURS[i % MODEL_COLOURS.length], "stroke-width": 2,
    "stroke-linejoin": "round", class: "plot-curve", points: s.epochs.map((epoch, n) => `${x(epoch).toFixed(1)},${y(s.val_psnr[n]).toFixed(1)}`).join(" ") }));
  svg.append(...curves.reverse()); // the first on top: a model that went on from another's weights shows after it
  epochs.forEach((epoch, i) => { // between the last epoch of the old goal and the first of the new one
    const at = x(epoch - 0.5);
    svg.append(node("line", { x1: at, x2: at, y1: EDGE.top, y2: HEIGHT - EDGE.bottom, stroke: "currentColor", "stroke-width": 1.5,
      "stroke-dasharray": "6 4", class: "plot-change" }),
    text(at - 5, HEIGHT - EDGE.bottom - 8, marks[i], { "text-anchor": "end", "font-size": 12 }));
  });
  return svg;
}

const PLOTS = { rate_distortion: [rateDistortionPlot, "rate_distortion_title"], curves: [curvesPlot, "curves_title"] };

// one plot into `element`, under its title: { kind: "rate_distortion" or "curves", data, words } (the Gradio page's
// gr.HTML value too); drawn again when the element's width changes (a hidden tab's element has none until shown)
export function drawPlot(element, { kind, data, words }) {
  const [plot, title] = PLOTS[kind];
  const draw = () => {
    const width = Math.round(Math.min(Math.max(element.clientWidth || WIDTH.most, WIDTH.least), WIDTH.most));
    if (width === element.plotWidth) return;
    element.plotWidth = width;
    const heading = document.createElement("p");
    heading.append(Object.assign(document.createElement("strong"), { textContent: words[title] }));
    element.replaceChildren(heading, plot(data, words, width));
  };
  element.plotWidth = null;
  element.plotResized?.disconnect(); // drawn again (another model): the new plot's observer only
  draw();
  element.plotResized = new ResizeObserver(draw);
  element.plotResized.observe(element);
  return element;
}
