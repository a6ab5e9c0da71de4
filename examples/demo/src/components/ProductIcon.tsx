/**
 * A line drawing of a product category: stands in for a product photo (the demo loads
 * nothing from other hosts, and emoji fonts are not everywhere).
 */
const PATHS: Readonly<Record<string, string>> = {
  laptop: 'M14 14h36v24H14zM8 42h48l-4 6H12z',
  monitor: 'M8 10h48v32H8zM26 42v8M38 42v8M20 52h24',
  headphones: 'M12 40v-8a20 20 0 0 1 40 0v8M12 38h8v14h-8zM44 38h8v14h-8z',
  keyboard: 'M6 20h52v26H6zM12 26h4M20 26h4M28 26h4M36 26h4M44 26h8M12 33h4M20 33h4M28 33h4M36 33h4M44 33h8M18 40h28',
  mouse: 'M20 22a12 12 0 0 1 24 0v18a12 12 0 0 1-24 0zM32 10v18',
}
const FALLBACK = 'M12 16h40v36H12zM12 26h40'

export function ProductIcon({ category }: { readonly category: string }) {
  return (
    <svg className="product-icon" viewBox="0 0 64 64" aria-hidden="true">
      <path d={PATHS[category] ?? FALLBACK} fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  )
}
