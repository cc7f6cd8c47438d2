/** A form that names one record by its id (an event, a contract) for a view to show. */
import { useState } from 'react';

export function LookUp({ label, button, onFound }: { label: string; button: string; onFound(id: string): void }) {
  const [typed, setTyped] = useState('');
  return (
    <form
      className="form inline"
      onSubmit={(e) => {
        e.preventDefault();
        if (typed.trim()) onFound(typed.trim());
      }}
    >
      <label>
        {label}
        <input value={typed} onChange={(e) => setTyped(e.target.value)} required />
      </label>
      <button type="submit">{button}</button>
    </form>
  );
}
