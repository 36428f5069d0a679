// Build step 1 of 2 (`npm run build`): bundle the browser app into dist/app.js + dist/app.css; tsc then
// compiles the Node side (renderRunHtml reads these two files at run time).
import { buildAppAssets } from '../src/assets.js';

const { js, css } = await buildAppAssets(true);
console.log(
  `viewer app: dist/app.js ${(js.length / 1024).toFixed(0)} KiB, dist/app.css ${(css.length / 1024).toFixed(0)} KiB`,
);
