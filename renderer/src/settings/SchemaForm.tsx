import { useId, useState } from 'react';
import { fieldHelp, fieldLabel, fieldPlaceholder, optionLabel, splitFields, type FieldSchema, type ProviderPlacement } from './field-catalog';

/**
 * A form generated from a provider's settings schema (sent by the engine as JSON Schema): text,
 * URL, number and checkbox fields and selects for enums, each with its help and its default as
 * placeholder. The essentials come first; the rest sits under a collapsed "Advanced" (the list in
 * field-catalog.ts decides, by setting name). `problems`: what the engine refused, by field, said at
 * that field (an Advanced field with a problem opens Advanced so it is seen).
 */
export function SchemaForm({
  schema,
  provider,
  values,
  onChange,
  problems = {},
}: {
  schema: Record<string, unknown>;
  provider: ProviderPlacement;
  values: Record<string, unknown>;
  onChange: (next: Record<string, unknown>) => void;
  problems?: Record<string, string>;
}) {
  const base = useId();
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const properties = (schema.properties ?? {}) as Record<string, FieldSchema>;
  const { essentials, advanced } = splitFields(schema, provider);
  const set = (name: string, value: unknown) => {
    const next = { ...values };
    if (value === '' || value === undefined) delete next[name];
    else next[name] = value;
    onChange(next);
  };
  const field = (name: string) => {
    const schemaField = properties[name] ?? {};
    const id = `${base}-${name}`;
    const helpId = `${id}-help`;
    const problemId = `${id}-problem`;
    const problem = problems[name];
    const described = { 'aria-invalid': problem ? true : undefined, 'aria-describedby': problem ? `${problemId} ${helpId}` : helpId };
    const value = values[name];
    const placeholder = fieldPlaceholder(name, schemaField);
    let input;
    if (schemaField.enum) {
      input = (
        <select id={id} {...described} value={String(value ?? schemaField.default ?? '')} onChange={(e) => set(name, e.target.value)}>
          {schemaField.enum.map((v) => (
            <option key={String(v)} value={String(v)}>
              {optionLabel(name, v)}
            </option>
          ))}
        </select>
      );
    } else if (schemaField.type === 'boolean') {
      input = <input id={id} {...described} type="checkbox" checked={Boolean(value ?? schemaField.default)} onChange={(e) => set(name, e.target.checked)} />;
    } else if (schemaField.type === 'number' || schemaField.type === 'integer') {
      input = (
        <input
          id={id}
          {...described}
          type="number"
          step={schemaField.type === 'integer' ? 1 : 'any'}
          min={schemaField.minimum ?? schemaField.exclusiveMinimum}
          max={schemaField.maximum !== undefined && schemaField.maximum < 1e15 ? schemaField.maximum : undefined}
          placeholder={placeholder}
          value={value === undefined ? '' : String(value)}
          onChange={(e) => set(name, e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
    } else {
      const wide = name === 'launchCommand' ? ' settings-input--wide' : '';
      input = <input id={id} {...described} className={wide.trim() || undefined} type={schemaField.format === 'uri' ? 'url' : 'text'} spellCheck={false} placeholder={placeholder} value={value === undefined ? '' : String(value)} onChange={(e) => set(name, e.target.value)} />;
    }
    const label = <label htmlFor={id}>{fieldLabel(name)}</label>;
    return (
      <div className="field" key={name}>
        {schemaField.type === 'boolean' ? (
          <div className="field__check">
            {input}
            {label}
          </div>
        ) : (
          <>
            {label}
            {input}
          </>
        )}
        {problem && (
          <p id={problemId} className="field__problem status__error">
            {problem}
          </p>
        )}
        <p id={helpId} className="field__help">
          {fieldHelp(name, schemaField)}
        </p>
      </div>
    );
  };
  return (
    <div className="schema-form">
      {essentials.map(field)}
      {advanced.length > 0 && (
        <details className="advanced settings-advanced" open={advancedOpen || advanced.some((n) => problems[n])} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}>
          <summary>Advanced</summary>
          {advanced.map(field)}
        </details>
      )}
    </div>
  );
}
