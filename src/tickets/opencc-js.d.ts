// opencc-js publishes its dictionaries as modules (the package's `./*` export) without type
// declarations; each is one string of "source target" pairs joined by "|".
declare module 'opencc-js/dict/TSCharacters' {
  const dict: string;
  export default dict;
}
