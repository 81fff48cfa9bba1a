/*
 * The acceptance page's HTML (E-02, E-03, E-05): server-rendered, no script, relative URLs only (the
 * form posts to the link itself, the stylesheet sits under /acceptance/assets/), every value escaped.
 */
import { createHash } from 'crypto';
import type { AcceptancePageView, AcceptProblemField } from '../enhanced-attestations.service';
import { fill, messagesFor, PageMessages } from './messages';

export interface TypedValues {
  signatoryFirstName?: string;
  signatoryLastName?: string;
  signatoryEmail?: string;
  accept?: boolean;
}

export interface FieldProblem {
  field: AcceptProblemField;
  code: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const signatoryOf = (view: AcceptancePageView) => `${view.signatoryFirstName} ${view.signatoryLastName}`;

/** The agreement as the page shows it, part by part: the same parts make the HTML and the hashed text. */
function agreementParts(view: AcceptancePageView, m: PageMessages) {
  const company = view.companyName;
  return {
    heading: m.agreementName,
    intro: fill(m.intro, { company }),
    facts: [
      [m.company, company],
      [m.signatory, signatoryOf(view)],
      [m.template, view.templateId],
      [m.document, view.agreementLink],
    ] as const,
    meaning: fill(m.meaning, { company }),
  };
}

/**
 * The exact text of the agreement the page shows (E-03), in its language: rendered from the view alone
 * (no time, no token), so the POST recomputes the same text and hash the GET showed.
 */
export function shownAgreementText(view: AcceptancePageView): string {
  const parts = agreementParts(view, messagesFor(view.language));
  return [
    parts.heading,
    parts.intro,
    ...parts.facts.map(([label, value]) => `${label}: ${value}`),
    parts.meaning,
  ].join('\n');
}

/** SHA-256 (hex) of `shownAgreementText`: the evidence's shownTextHash. */
export function shownTextHash(view: AcceptancePageView): string {
  return createHash('sha256').update(shownAgreementText(view), 'utf8').digest('hex');
}

function layout(m: PageMessages, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="${escapeHtml(m.htmlLang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="assets/page.css">
</head>
<body>
<header><p>${escapeHtml(m.agreementName)}</p></header>
<main id="main">
${body}
</main>
<footer><p>${escapeHtml(m.notice)}</p></footer>
</body>
</html>
`;
}

function agreementSection(view: AcceptancePageView, m: PageMessages): string {
  const parts = agreementParts(view, m);
  const facts = parts.facts
    .map(([label, value], i) => {
      const shown =
        i === 3
          ? `<a href="${escapeHtml(value)}" rel="noreferrer noopener" target="_blank">${escapeHtml(value)}</a>`
          : escapeHtml(value);
      return `<dt>${escapeHtml(label)}</dt><dd>${shown}</dd>`;
    })
    .join('\n');
  return `<section class="card" aria-labelledby="agreement-heading" id="agreement">
<h2 id="agreement-heading">${escapeHtml(parts.heading)}</h2>
<p>${escapeHtml(parts.intro)}</p>
<dl>
${facts}
</dl>
<p>${escapeHtml(parts.meaning)}</p>
</section>`;
}

const FIELDS: {
  name: Exclude<AcceptProblemField, 'accept'>;
  label: keyof PageMessages;
  type: string;
  autocomplete: string;
}[] = [
  { name: 'signatoryFirstName', label: 'firstName', type: 'text', autocomplete: 'given-name' },
  { name: 'signatoryLastName', label: 'lastName', type: 'text', autocomplete: 'family-name' },
  { name: 'signatoryEmail', label: 'email', type: 'email', autocomplete: 'email' },
];

function problemText(m: PageMessages, problem: FieldProblem): string {
  const field = FIELDS.find((f) => f.name === problem.field);
  const name = field ? String(m[field.label]) : '';
  const template = m.errors[problem.code as keyof PageMessages['errors']] ?? m.errors.Invalid;
  return fill(template, { field: m.htmlLang === 'en' ? name.toLowerCase() : name });
}

export interface FormPageOptions {
  /** The link's own last path segment: the form posts to it. */
  action: string;
  csrf: string;
  values?: TypedValues;
  problems?: FieldProblem[];
}

/** E-02: the agreement and the form; with problems, the 422 page with an error summary (E-03). */
export function renderAcceptancePage(view: AcceptancePageView, options: FormPageOptions): string {
  const m = messagesFor(view.language);
  const problems = options.problems ?? [];
  const values = options.values ?? {};
  const problemOf = (field: AcceptProblemField) => problems.find((p) => p.field === field);
  const summary =
    problems.length === 0
      ? ''
      : `<div class="error-summary" role="alert" aria-labelledby="error-summary-heading" tabindex="-1" id="error-summary">
<h2 id="error-summary-heading">${escapeHtml(m.errorSummary)}</h2>
<ul>
${problems.map((p) => `<li><a href="#${p.field}">${escapeHtml(problemText(m, p))}</a></li>`).join('\n')}
</ul>
</div>`;
  const inputs = FIELDS.map((f) => {
    const problem = problemOf(f.name);
    const errorId = `${f.name}-error`;
    const describedBy = ['signatory-hint', ...(problem ? [errorId] : [])].join(' ');
    return `<div class="field${problem ? ' invalid' : ''}">
<label for="${f.name}">${escapeHtml(m[f.label])}</label>
${problem ? `<p class="error" id="${errorId}">${escapeHtml(problemText(m, problem))}</p>` : ''}
<input type="${f.type}" id="${f.name}" name="${f.name}" autocomplete="${f.autocomplete}" required maxlength="320" spellcheck="false" aria-describedby="${describedBy}"${problem ? ' aria-invalid="true"' : ''} value="${escapeHtml(values[f.name] ?? '')}">
</div>`;
  }).join('\n');
  const acceptProblem = problemOf('accept');
  const title = problems.length > 0 ? `${m.errorSummary}: ${m.title}` : m.title;
  return layout(
    m,
    title,
    `<h1>${escapeHtml(m.title)}</h1>
${summary}
${agreementSection(view, m)}
<p>${escapeHtml(fill(m.expires, { time: formatUtc(view.expiresAt) }))}</p>
<form method="post" action="${escapeHtml(options.action)}" class="card" novalidate>
<h2>${escapeHtml(m.formHeading)}</h2>
<p class="hint" id="signatory-hint">${escapeHtml(m.emailHint)}</p>
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
${inputs}
<div class="field${acceptProblem ? ' invalid' : ''}">
${acceptProblem ? `<p class="error" id="accept-error">${escapeHtml(problemText(m, acceptProblem))}</p>` : ''}
<div class="check">
<input type="checkbox" id="accept" name="accept" value="yes" required${values.accept ? ' checked' : ''}${acceptProblem ? ' aria-invalid="true" aria-describedby="accept-error"' : ''}>
<label for="accept">${escapeHtml(fill(m.acceptLabel, { company: view.companyName }))}</label>
</div>
</div>
<button type="submit">${escapeHtml(m.submit)}</button>
</form>`,
  );
}

function formatUtc(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

/** E-03: the confirmation (just accepted), or the recorded acceptance (already accepted, nothing new). */
export function renderAccepted(view: AcceptancePageView, already: boolean): string {
  const m = messagesFor(view.language);
  const company = view.companyName;
  const heading = already ? m.alreadyHeading : m.confirmedHeading;
  const body = already ? m.alreadyBody : m.confirmedBody;
  const by = view.acceptedByName
    ? `<dt>${escapeHtml(m.acceptedBy)}</dt><dd>${escapeHtml(view.acceptedByName)}</dd>`
    : '';
  return layout(
    m,
    heading,
    `<div class="status" role="status">
<h1>${escapeHtml(heading)}</h1>
<p>${escapeHtml(fill(body, { company }))}</p>
</div>
<section class="card" aria-label="${escapeHtml(m.agreementName)}">
<dl>
<dt>${escapeHtml(m.company)}</dt><dd>${escapeHtml(company)}</dd>
<dt>${escapeHtml(m.template)}</dt><dd>${escapeHtml(view.templateId)}</dd>
<dt>${escapeHtml(m.acceptedAt)}</dt><dd>${escapeHtml(formatUtc(view.acceptedAt))}</dd>
${by}
</dl>
</section>
<p>${escapeHtml(m.closeHint)}</p>`,
  );
}

/** E-05: an expired or cancelled link (410): says so, records nothing. */
export function renderGone(view: AcceptancePageView, outcome: 'Expired' | 'Cancelled'): string {
  const m = messagesFor(view.language);
  const heading = outcome === 'Expired' ? m.expiredHeading : m.cancelledHeading;
  const body = outcome === 'Expired' ? m.expiredBody : m.cancelledBody;
  return layout(
    m,
    heading,
    `<div class="status gone">
<h1>${escapeHtml(heading)}</h1>
<p>${escapeHtml(body)}</p>
</div>`,
  );
}

/** E-08: an unknown link (404), in English, naming nothing. */
export function renderUnknown(): string {
  const m = messagesFor('en');
  return layout(
    m,
    m.unknownHeading,
    `<div class="status gone">
<h1>${escapeHtml(m.unknownHeading)}</h1>
<p>${escapeHtml(m.unknownBody)}</p>
</div>`,
  );
}

/** A form whose CSRF token does not check (403): nothing recorded, a way back to a fresh page. */
export function renderForbidden(action: string, language?: string): string {
  const m = messagesFor(language);
  return layout(
    m,
    m.forbiddenHeading,
    `<div class="status gone">
<h1>${escapeHtml(m.forbiddenHeading)}</h1>
<p>${escapeHtml(m.forbiddenBody)}</p>
<p><a href="${escapeHtml(action)}">${escapeHtml(m.reload)}</a></p>
</div>`,
  );
}
