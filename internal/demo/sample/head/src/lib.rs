//! A tiny inventory: the sample crate `symposium demo` reviews.

/// One line of the inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub count: u32,
}

/// Sums the counts of every item.
pub fn total(items: &Vec<Item>) -> u32 {
    items.iter().map(|item| item.count).sum()
}

/// Describes the inventory in one line.
pub fn describe(items: &[Item]) -> String {
    if items.len() == 0 {
        return String::from("empty");
    }
    let names: Vec<String> = items.iter().map(|item| item.name.clone()).collect();
    format!("{} items: {}", items.len(), names.join(", "))
}

/// Finds an item by name.
pub fn find<'a>(items: &'a [Item], name: &str) -> Option<&'a Item> {
    for item in items.iter() {
        if item.name == name {
            return Some(item);
        }
    }
    return None;
}
