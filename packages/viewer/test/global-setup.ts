// Rebuild dist/app.js + dist/app.css before the tests so renderRunHtml never inlines a stale bundle.
import { buildAppAssets } from '../src/assets.js';

export default async function setup(): Promise<void> {
  await buildAppAssets(true);
}
