// The explorer core's pure parts (web/frames.js, web/loading.js, web/explore_settings.js) run in node on fakes: a
// hand-driven animation frame, a fetch that answers 404, a load that fails once; for tests/test_web_formulas.py.
import { settingsOfEntry } from "../web/explore_settings.js";
import { FrameBatch, FrameTimes } from "../web/frames.js";
import { fetchChecked, remembered } from "../web/loading.js";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

// animation frames that run when the test says so
function fakeFrames() {
  const waiting = [];
  return {
    requestFrame: (callback) => waiting.push(callback),
    get asked() { return waiting.length; },
    async run() { waiting.shift()(); await settle(); },
  };
}

// the sliders: moves before a frame share it and its work takes the newest; a move while the work runs asks for the
// next frame at once
async function sliderFrames() {
  const frames = fakeFrames();
  const worked = [];
  const batch = new FrameBatch(async (input) => { worked.push(input); return `picture of ${input}`; }, { requestFrame: frames.requestFrame });
  const asks = [batch.ask(1), batch.ask(2), batch.ask(3)];
  const askedBefore = frames.asked;
  await frames.run();
  const results = await Promise.all(asks);
  const later = batch.ask(4);
  const askedAfter = frames.asked;
  await frames.run();
  return { asked_before: askedBefore, asked_after: askedAfter, worked, results, later: await later, same: asks[0] === asks[2] };
}

// the map: one frame at a time; what came while the work ran is taken up once it settles, the newest only
async function mapFrames() {
  const frames = fakeFrames();
  const worked = [];
  let release = null;
  const batch = new FrameBatch((input) => {
    worked.push(input);
    return new Promise((resolve) => { release = resolve; });
  }, { oneAtATime: true, requestFrame: frames.requestFrame });
  batch.ask("a");
  await frames.run();
  batch.ask("b");
  batch.ask("c");
  const askedWhileWorking = frames.asked;
  release();
  await settle();
  const askedAfterWork = frames.asked;
  await frames.run();
  release();
  await settle();
  return { worked, asked_while_working: askedWhileWorking, asked_after_work: askedAfterWork, asked_at_rest: frames.asked };
}

async function frameTimes() {
  let clock = 0;
  const times = new FrameTimes({ kept: 3, now: () => clock });
  for (const ms of [5, 7, 9, 11]) await times.time(async () => { clock += ms; });
  await times.time(async () => { throw new Error("no picture"); }).catch(() => undefined);
  return { count: times.count, ms: times.ms };
}

async function loads() {
  const attempt = (promise) => promise.then((value) => ({ value }), (error) => ({ error: error.message }));
  const refused = await attempt(fetchChecked("https://example.org/site.json", async () => ({ ok: false, status: 404 })));
  const fetched = await attempt(fetchChecked("https://example.org/site.json", async () => ({ ok: true, status: 200 })));
  const cache = new Map();
  let calls = 0;
  const load = () => { calls += 1; return calls === 1 ? Promise.reject(new Error("network down")) : Promise.resolve(`session ${calls}`); };
  const first = await attempt(remembered(cache, "decoder.onnx", load));
  const second = await attempt(remembered(cache, "decoder.onnx", load));
  const third = await attempt(remembered(cache, "decoder.onnx", load));
  return { refused, fetched: fetched.value?.status, remembered: [first, second, third], calls };
}

// settingsOfEntry on the site the test sends: its first axes, a kind it lacks (the first instead), and given values
function settings(site) {
  const [entry] = site.models;
  const base = entry.axes.main.origin.map((x, i) => x + site.offset[i]);
  return {
    own: settingsOfEntry(entry, site, { axes: "main", base, more: [0.3], own: [{ name: "ice", vector: site.own }] }),
    other_kind: settingsOfEntry(entry, site, { axes: "diagonal", base, sliders: [1, -1, 0.5], more: [0, 0.5] }),
  };
}

export async function explorerCore(site) {
  return {
    slider_frames: await sliderFrames(), map_frames: await mapFrames(), frame_times: await frameTimes(), loads: await loads(),
    settings: settings(site),
  };
}
