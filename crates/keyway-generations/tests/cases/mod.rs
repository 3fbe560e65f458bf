mod api;
mod restart;
mod vendors;
