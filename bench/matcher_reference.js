// The reference for the matcher's timing: face-api's own JavaScript pipeline in Node on its
// fastest backend that installs here (@tensorflow/tfjs-backend-wasm), on the same images as
// bench/matcher_timing. Prints per-stage medians per face in milliseconds.
//
//   prefix=/tmp/oversight-bench-node
//   npm install --prefix "$prefix" --no-save --ignore-scripts --no-audit --no-fund \
//     @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 \
//     jpeg-js@0.4.4
//   BENCH_NODE_PREFIX="$prefix" node bench/matcher_reference.js [--reps N] image.jpg...
'use strict';

const fs = require('fs');
const path = require('path');

const prefix = process.env.BENCH_NODE_PREFIX || '/tmp/oversight-bench-node';
const need = (m) => require(path.join(prefix, 'node_modules', m));
const tf = need('@tensorflow/tfjs');
need('@tensorflow/tfjs-backend-wasm');
const faceapi = need('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = need('jpeg-js');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeMs(reps, fn) {
  await fn();  // warm-up
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

async function main() {
  const args = process.argv.slice(2);
  let reps = 5;
  const images = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--reps') reps = Number(args[++i]); else images.push(args[i]);
  }
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(prefix, 'node_modules/@vladmandic/face-api/model');
  for (const net of ['tinyFaceDetector', 'faceLandmark68Net', 'faceRecognitionNet']) {
    await faceapi.nets[net].loadFromDisk(modelDir);
  }
  console.log(`backend ${tf.getBackend()}, tfjs ${tf.version.tfjs}, threads: wasm default`);
  const crop = tf.randomUniform([150, 150, 3], 0, 255, 'int32');
  const rec = await timeMs(reps * 4, async () => (await faceapi.nets.faceRecognitionNet.forward(crop)).dispose());
  console.log(`recognition forward @150: median ${median(rec).toFixed(1)} ms`);
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
  for (const file of images) {
    const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false });
    const t = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const faces = (await faceapi.detectAllFaces(t, options)).length;
    const all = await timeMs(reps, () => faceapi.detectAllFaces(t, options).withFaceLandmarks()
      .withFaceDescriptors());
    console.log(`${file} ${img.width}x${img.height}: full pipeline per face ` +
      `${(median(all) / Math.max(1, faces)).toFixed(1)} ms (${faces} faces)`);
    t.dispose();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
