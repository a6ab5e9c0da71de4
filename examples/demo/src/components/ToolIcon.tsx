/** Small line icons of the composer and of attachments (emoji fonts are not everywhere). */
const PATHS = {
  attach: 'M16 9l-6.5 6.5a3 3 0 0 1-4.2-4.2l7-7a2 2 0 0 1 2.8 2.8l-7 7a1 1 0 0 1-1.4-1.4L13 6.5',
  mic: 'M10 2.5a2.5 2.5 0 0 1 2.5 2.5v5a2.5 2.5 0 0 1-5 0V5A2.5 2.5 0 0 1 10 2.5zM5 9.5a5 5 0 0 0 10 0M10 14.5v3M7 17.5h6',
  stop: 'M6 6h8v8H6z',
  file: 'M5 2.5h6.5l3.5 3.5v11.5H5zM11.5 2.5V6H15',
} as const

export function ToolIcon({ name }: { readonly name: keyof typeof PATHS }) {
  return (
    <svg className="tool-icon" viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
      <path d={PATHS[name]} fill={name === 'stop' ? 'currentColor' : 'none'} stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  )
}
