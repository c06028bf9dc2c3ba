/**
 * Markdown and code are for eyes, not ears: turns one chunk of LLM output into what should be
 * spoken. Code blocks are replaced by a short spoken note; inline markup is dropped, link text kept.
 */
export function toSpeakableText(markdown: string): string {
  let s = markdown;
  s = s.replace(/```[\s\S]*?```/g, ' (code omitted) ');
  s = s.replace(/`([^`]*)`/g, '$1');
  s = s.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1'); // images: alt text
  s = s.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1'); // links: their text
  s = s.replace(/^\s{0,3}#{1,6}\s+/gm, ''); // headings
  s = s.replace(/^\s{0,3}>\s?/gm, ''); // quotes
  s = s.replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, ''); // list markers
  s = s.replace(/^\s*(?:-{3,}|\*{3,}|_{3,})\s*$/gm, ''); // rules
  s = s.replace(/(\*\*|__)(.+?)\1/g, '$2');
  s = s.replace(/(^|[^\w*])[*_]([^*_\n]+)[*_](?=[^\w*]|$)/g, '$1$2');
  s = s.replace(/~~(.+?)~~/g, '$1');
  s = s.replace(/\|/g, ' ');
  return s.replace(/\s+/g, ' ').trim();
}
