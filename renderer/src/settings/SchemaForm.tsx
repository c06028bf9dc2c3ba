import { useId } from 'react';

/** The subset of JSON Schema the provider settings use. */
interface FieldSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
}

/** "stallTimeoutMs" -> "Stall timeout (ms)". */
export function fieldLabel(name: string): string {
  const ms = name.endsWith('Ms');
  const words = (ms ? name.slice(0, -2) : name).replace(/([a-z])([A-Z])/g, '$1 $2').replace(/Url$/, 'URL').replace(/ Url /, ' URL ').toLowerCase();
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  return (ms ? `${label} (ms)` : label).replace(/\burl\b/i, 'URL').replace(/\bid\b/i, 'ID');
}

/**
 * A form generated from a provider's settings schema (sent by the engine as JSON Schema): text,
 * URL, number and checkbox fields and selects for enums, each with its default as placeholder.
 * `problems`: what the engine refused, by field, said at that field.
 */
export function SchemaForm({
  schema,
  values,
  onChange,
  problems = {},
}: {
  schema: Record<string, unknown>;
  values: Record<string, unknown>;
  onChange: (next: Record<string, unknown>) => void;
  problems?: Record<string, string>;
}) {
  const base = useId();
  const properties = (schema.properties ?? {}) as Record<string, FieldSchema>;
  const set = (name: string, value: unknown) => {
    const next = { ...values };
    if (value === '' || value === undefined) delete next[name];
    else next[name] = value;
    onChange(next);
  };
  return (
    <div className="schema-form">
      {Object.entries(properties).map(([name, field]) => {
        const id = `${base}-${name}`;
        const problemId = `${id}-problem`;
        const problem = problems[name];
        const invalid = problem ? { 'aria-invalid': true, 'aria-describedby': problemId } : {};
        const value = values[name];
        const placeholder = field.default === undefined ? '' : String(field.default);
        let input;
        if (field.enum) {
          input = (
            <select id={id} {...invalid} value={String(value ?? field.default ?? '')} onChange={(e) => set(name, e.target.value)}>
              {field.enum.map((v) => (
                <option key={String(v)} value={String(v)}>
                  {String(v)}
                </option>
              ))}
            </select>
          );
        } else if (field.type === 'boolean') {
          input = <input id={id} {...invalid} type="checkbox" checked={Boolean(value ?? field.default)} onChange={(e) => set(name, e.target.checked)} />;
        } else if (field.type === 'number' || field.type === 'integer') {
          input = (
            <input
              id={id}
              {...invalid}
              type="number"
              step={field.type === 'integer' ? 1 : 'any'}
              min={field.minimum ?? field.exclusiveMinimum}
              max={field.maximum !== undefined && field.maximum < 1e15 ? field.maximum : undefined}
              placeholder={placeholder}
              value={value === undefined ? '' : String(value)}
              onChange={(e) => set(name, e.target.value === '' ? undefined : Number(e.target.value))}
            />
          );
        } else {
          input = <input id={id} {...invalid} type={field.format === 'uri' ? 'url' : 'text'} placeholder={placeholder} value={value === undefined ? '' : String(value)} onChange={(e) => set(name, e.target.value)} />;
        }
        return (
          <div className="field" key={name}>
            <label htmlFor={id}>{fieldLabel(name)}</label>
            {input}
            {problem && (
              <p id={problemId} className="field__problem status__error">
                {problem}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
