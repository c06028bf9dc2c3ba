import { ParleyError } from '../errors.js';

/**
 * Evaluates arithmetic safely (no eval): + - * / % ^, parentheses, unary minus, constants pi and e,
 * and functions sqrt abs round floor ceil sin cos tan asin acos atan ln log exp. Recursive descent.
 */
export function evaluateExpression(input: string): number {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];
  const expect = (t: string) => {
    if (take() !== t) throw bad(`expected '${t}'`);
  };
  const bad = (why: string) => new ParleyError('tool/invalid-arguments', `cannot evaluate "${input}": ${why}`);

  const FUNCS: Record<string, (x: number) => number> = {
    sqrt: Math.sqrt, abs: Math.abs, round: Math.round, floor: Math.floor, ceil: Math.ceil,
    sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
    ln: Math.log, log: Math.log10, exp: Math.exp,
  };
  const CONSTS: Record<string, number> = { pi: Math.PI, e: Math.E };

  function expr(): number {
    let v = term();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + term() : v - term();
    return v;
  }
  function term(): number {
    let v = unary();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = take();
      const r = unary();
      if ((op === '/' || op === '%') && r === 0) throw bad('division by zero');
      v = op === '*' ? v * r : op === '/' ? v / r : v % r;
    }
    return v;
  }
  // Unary minus binds looser than ^ (so -3^2 = -9), and ^ is right associative (2^3^2 = 512).
  function unary(): number {
    if (peek() === '-') {
      take();
      return -unary();
    }
    if (peek() === '+') {
      take();
      return unary();
    }
    return power();
  }
  function power(): number {
    const base = primary();
    if (peek() === '^') {
      take();
      return base ** unary();
    }
    return base;
  }
  function primary(): number {
    const t = take();
    if (t === undefined) throw bad('unexpected end');
    if (t === '(') {
      const v = expr();
      expect(')');
      return v;
    }
    if (/^\d/.test(t) || t.startsWith('.')) return Number(t);
    const name = t.toLowerCase();
    if (name in CONSTS) return CONSTS[name]!;
    if (name in FUNCS) {
      expect('(');
      const v = expr();
      expect(')');
      return FUNCS[name]!(v);
    }
    throw bad(`unknown name '${t}'`);
  }

  if (tokens.length === 0) throw bad('empty expression');
  const value = expr();
  if (pos !== tokens.length) throw bad(`unexpected '${tokens[pos]}'`);
  if (!Number.isFinite(value)) throw bad('result is not a finite number');
  return value;
}

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+|[a-zA-Z]+|[-+*/%^()])/gy;
  const src = input.replace(/×/g, '*').replace(/÷/g, '/').replace(/,/g, '');
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(src))) {
    tokens.push(m[1]!);
    last = re.lastIndex;
  }
  if (src.slice(last).trim()) throw new ParleyError('tool/invalid-arguments', `cannot evaluate "${input}": unexpected '${src.slice(last).trim()[0]}'`);
  return tokens;
}
