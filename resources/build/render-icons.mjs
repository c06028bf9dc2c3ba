// Renders the app and tray icons from their SVG sources (run after editing an SVG):
//   node resources/build/render-icons.mjs
// resources/build/icon.png: the app icon electron-builder turns into .icns, .ico and the Linux set.
// resources/icons/trayTemplate*.png: the macOS menu-bar template image (16x16 and @2x).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';

const resources = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const render = (svg, out, width) => {
  const png = new Resvg(readFileSync(path.join(resources, svg), 'utf8'), { fitTo: { mode: 'width', value: width } }).render().asPng();
  writeFileSync(path.join(resources, out), png);
};
render('build/icon.svg', 'build/icon.png', 1024);
render('icons/trayTemplate.svg', 'icons/trayTemplate.png', 16);
render('icons/trayTemplate.svg', 'icons/trayTemplate@2x.png', 32);
