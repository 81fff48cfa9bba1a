/*
 * The pages are Handlebars templates (apps/console/views/*.hbs), escaped by default; a page is its template
 * inside layout.hbs. Templates are read once, at start.
 */
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { dirname, join, resolve } from 'path';

/**
 * The console's folder (views/, assets/): found from this file upwards, so it is the same from the sources
 * (ts-jest), from dist/ (npm start) and from a test build elsewhere in the repository.
 */
export function consoleRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    for (const candidate of [join(dir, 'views'), join(dir, 'apps', 'console', 'views')]) {
      if (existsSync(join(candidate, 'layout.hbs'))) return dirname(candidate);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`apps/console/views not found above ${from}`);
    dir = parent;
  }
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** A readable UTC time for an ISO string; the string itself when it is not a time. */
export function formatTime(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : `${DATE_TIME.format(new Date(ms))} UTC`;
}

function helpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('time', (value: unknown) => formatTime(value));
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value ?? null, null, 2));
  hbs.registerHelper('join', (value: unknown) => (Array.isArray(value) ? value.join(', ') : ''));
}

export class Renderer {
  private readonly layout: HandlebarsTemplateDelegate;
  private readonly pages = new Map<string, HandlebarsTemplateDelegate>();

  constructor(root: string = consoleRoot()) {
    const hbs = Handlebars.create();
    helpers(hbs);
    const views = join(root, 'views');
    const partials = join(views, 'partials');
    for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
      hbs.registerPartial(file.replace(/\.hbs$/, ''), readFileSync(join(partials, file), 'utf8'));
    }
    const compile = (file: string) =>
      hbs.compile(readFileSync(join(views, file), 'utf8'), { strict: false, noEscape: false });
    this.layout = compile('layout.hbs');
    for (const file of readdirSync(views).filter((f) => f.endsWith('.hbs') && f !== 'layout.hbs')) {
      this.pages.set(file.replace(/\.hbs$/, ''), compile(file));
    }
  }

  /** The whole HTML document of `page` with its view model; `title` names the page. */
  render(page: string, model: { title: string } & Record<string, unknown>): string {
    const template = this.pages.get(page);
    if (!template) throw new Error(`no template ${page}.hbs`);
    return this.layout({ ...model, body: template(model) });
  }
}
