// Frames, for both pages' sliders and maps: at most one piece of work per animation frame, always on the newest
// input (a move of the sliders, the spot under the pointer), and how long the frames took (the benches read it).

export const FRAME_TIMES_KEPT = 1000; // the last frames' times; a long visit keeps no growing list

export class FrameBatch {
  // `work(input)` runs in an animation frame on the newest input asked for; `requestFrame` is the browser's
  // requestAnimationFrame unless a test gives its own
  constructor(work, { oneAtATime = false, requestFrame = (callback) => requestAnimationFrame(callback) } = {}) {
    this.work = work;
    this.oneAtATime = oneAtATime;
    this.requestFrame = requestFrame;
    this.input = undefined;
    this.pending = null; // the promise of the frame asked for and not begun (oneAtATime: not done)
  }

  // keeps `input` as the newest and returns the promise of the frame that takes it (its work's result): asks before
  // it begins share it. Without oneAtATime the next frame may be asked for while this one's work runs (the sliders:
  // decodes queue, each on the newest values in its turn); with it no frame is asked for until the last one's work
  // settles, and the input that came meanwhile is taken up then (the map: the pointer outruns the decoder; its work
  // handles its own errors)
  ask(input) {
    this.input = input;
    this.pending ??= new Promise((resolve) => this.requestFrame(() => resolve(this.begin())));
    return this.pending;
  }

  begin() {
    const input = this.input;
    const done = new Promise((resolve) => resolve(this.work(input)));
    if (!this.oneAtATime) {
      this.pending = null;
      return done;
    }
    const next = () => {
      this.pending = null;
      if (this.input !== input) this.ask(this.input);
    };
    done.then(next, next);
    return done;
  }
}

export class FrameTimes {
  constructor({ kept = FRAME_TIMES_KEPT, now = () => performance.now() } = {}) {
    this.count = 0; // frames painted
    this.ms = []; // the last `kept` frames' times
    this.kept = kept;
    this.now = now;
  }

  // `task()`'s result; its time is kept when it succeeds
  async time(task) {
    const start = this.now();
    const result = await task();
    this.count += 1;
    this.ms.push(this.now() - start);
    if (this.ms.length > this.kept) this.ms.shift();
    return result;
  }
}
