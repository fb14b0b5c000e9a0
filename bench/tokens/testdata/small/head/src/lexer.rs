//! A small lexer for a configuration language.

use std::fmt;
use std::iter::Peekable;
use std::str::CharIndices;

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Ident(String),
    Number(f64),
    Str(String),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Equals,
    Comma,
    Newline,
    Comment(String),
}

/// A token with its byte span.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// A lexing error.
#[derive(Debug, Clone, PartialEq)]
pub enum LexError {
    UnexpectedChar(char, usize),
    UnterminatedString(usize),
    BadEscape(char, usize),
    BadNumber(String, usize),
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexError::UnexpectedChar(c, at) => write!(f, "unexpected character {c:?} at {at}"),
            LexError::UnterminatedString(at) => write!(f, "unterminated string starting at {at}"),
            LexError::BadEscape(c, at) => write!(f, "bad escape \\{c} at {at}"),
            LexError::BadNumber(s, at) => write!(f, "bad number {s:?} at {at}"),
        }
    }
}

impl std::error::Error for LexError {}

/// Lexer over a source string.
pub struct Lexer<'a> {
    src: &'a str,
    chars: Peekable<CharIndices<'a>>,
    keep_comments: bool,
}

impl<'a> Lexer<'a> {
    /// Creates a lexer over `src`.
    pub fn new(src: &'a str) -> Self {
        Lexer { src, chars: src.char_indices().peekable(), keep_comments: false }
    }

    /// Keeps comments as tokens instead of skipping them.
    pub fn keep_comments(mut self, keep: bool) -> Self {
        self.keep_comments = keep;
        self
    }

    fn bump(&mut self) -> Option<(usize, char)> {
        self.chars.next()
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\r' {
                self.bump();
            } else {
                break;
            }
        }
    }

    fn string(&mut self, start: usize) -> Result<Token, LexError> {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(LexError::UnterminatedString(start)),
                Some((_, '"')) => break,
                Some((at, '\\')) => match self.bump() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, '"')) => out.push('"'),
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, 'u')) => out.push(self.unicode_escape(at)?),
                    Some((_, c)) => return Err(LexError::BadEscape(c, at)),
                    None => return Err(LexError::UnterminatedString(start)),
                },
                Some((_, c)) => out.push(c),
            }
        }
        let end = self.chars.peek().map_or(self.src.len(), |&(i, _)| i);
        Ok(Token { kind: TokenKind::Str(out), start, end })
    }

    fn unicode_escape(&mut self, at: usize) -> Result<char, LexError> {
        if self.bump().map(|(_, c)| c) != Some('{') {
            return Err(LexError::BadEscape('u', at));
        }
        let mut value: u32 = 0;
        let mut digits = 0;
        loop {
            match self.bump() {
                Some((_, '}')) if digits > 0 => break,
                Some((_, c)) if c.is_ascii_hexdigit() && digits < 6 && value <= 0x10FFFF => {
                    value = value * 16 + c.to_digit(16).unwrap();
                    digits += 1;
                }
                _ => return Err(LexError::BadEscape('u', at)),
            }
        }
        char::from_u32(value).ok_or(LexError::BadEscape('u', at))
    }

    fn number(&mut self, start: usize) -> Result<Token, LexError> {
        let mut end = start;
        while let Some(&(i, c)) = self.chars.peek() {
            if c.is_ascii_digit() || c == '.' || c == '_' || c == 'e' || c == '-' {
                end = i + c.len_utf8();
                self.bump();
            } else {
                break;
            }
        }
        let text: String = self.src[start..end].chars().filter(|&c| c != '_').collect();
        let value = text.parse::<f64>().map_err(|_| LexError::BadNumber(text.clone(), start))?;
        Ok(Token { kind: TokenKind::Number(value), start, end })
    }

    fn ident(&mut self, start: usize) -> Token {
        let mut end = start;
        while let Some(&(i, c)) = self.chars.peek() {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                end = i + c.len_utf8();
                self.bump();
            } else {
                break;
            }
        }
        Token { kind: TokenKind::Ident(self.src[start..end].to_string()), start, end }
    }

    fn comment(&mut self, start: usize) -> Token {
        let mut end = start + 1;
        while let Some(&(i, c)) = self.chars.peek() {
            if c == '\n' {
                break;
            }
            end = i + c.len_utf8();
            self.bump();
        }
        Token { kind: TokenKind::Comment(self.src[start + 1..end].trim().to_string()), start, end }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Token, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.skip_spaces();
            let (start, c) = self.bump()?;
            let single = |kind| Some(Ok(Token { kind, start, end: start + 1 }));
            return match c {
                '{' => single(TokenKind::LBrace),
                '}' => single(TokenKind::RBrace),
                '[' => single(TokenKind::LBracket),
                ']' => single(TokenKind::RBracket),
                '=' => single(TokenKind::Equals),
                ',' => single(TokenKind::Comma),
                '\n' => single(TokenKind::Newline),
                '"' => Some(self.string(start)),
                '#' if self.keep_comments => Some(Ok(self.comment(start))),
                '#' => {
                    self.comment(start);
                    continue;
                }
                c if c.is_ascii_digit() || c == '-' => Some(self.number(start)),
                c if c.is_alphabetic() || c == '_' => Some(Ok(self.ident(start))),
                c => Some(Err(LexError::UnexpectedChar(c, start))),
            };
        }
    }
}

/// Lexes `src` whole, stopping at the first error.
pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    Lexer::new(src).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_escapes() {
        let toks = tokenize(r#""\u{48}\u{1F600}""#).unwrap();
        assert_eq!(toks[0].kind, TokenKind::Str("H\u{1F600}".into()));
    }

    #[test]
    fn comments_are_kept_on_request() {
        let toks: Vec<_> = Lexer::new("# hi\nx").keep_comments(true).collect::<Result<_, _>>().unwrap();
        assert_eq!(toks[0].kind, TokenKind::Comment("hi".into()));
    }
}
