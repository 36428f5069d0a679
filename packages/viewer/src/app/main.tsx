// Browser entry: bundled by esbuild (src/assets.ts) into dist/app.js, inlined into every page.
import '@blueprintjs/core/lib/css/blueprint.css';
import './styles.css';
import { createRoot } from 'react-dom/client';
import type { PageData } from '../render.js';
import { App } from './App.js';

const dataElement = document.getElementById('dagcache-data');
const root = document.getElementById('root');
if (!dataElement || !root) throw new Error('dagcache viewer: page data or root element missing');
const data = JSON.parse(dataElement.textContent ?? '{}') as PageData;
createRoot(root).render(<App data={data} />);
